// What a key command prints: the token alone, or JSON with a token and an optional expiry
// (docs/minted.md#api_key_command). Anything else is refused with what was wrong, never with what was printed.

export interface ParsedToken {
  token: string;
  /** Epoch ms; undefined when the output gave none. */
  expiresAt?: number;
}

export type ParseResult = { ok: true; value: ParsedToken } | { ok: false; why: string };

// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const UNSENDABLE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Past ASCII: binary noise (or text in another encoding), which no token holds and a header would carry mangled or
 * not at all (undici refuses it, which would look like a connection failure). */
const NOT_ASCII = /[\u0080-\uffff]/;

/** Where the text came from: a key command's output, or a key file. */
export type TokenText = 'output' | 'file';

/** How a refusal says what the text was: the command printed it, the file holds it. */
const IT_GAVE: Readonly<Record<TokenText, string>> = { output: 'it printed', file: 'it holds' };

export function parseTokenOutput(text: string, now: number, from: TokenText = 'output'): ParseResult {
  const out = text.trim();
  const gave = IT_GAVE[from];
  if (out === '') return { ok: false, why: `${gave} nothing` };
  if (out.startsWith('{')) return parseJson(out, now, gave);
  const lines = out.split(/\r?\n/).length;
  if (lines > 1)
    return {
      ok: false,
      why: `${gave} ${lines} lines; print the token alone on one line, or JSON with "token" and "expires_at"`,
    };
  if (UNSENDABLE.test(out)) return { ok: false, why: `${gave} a control character, which an HTTP header cannot carry` };
  if (NOT_ASCII.test(out))
    return { ok: false, why: `${gave} a character outside ASCII (binary output?), which no token holds` };
  return { ok: true, value: { token: out } };
}

function parseJson(text: string, now: number, gave: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, why: `${gave} text starting with { that is not JSON` };
  }
  const o = body as Record<string, unknown>;
  const token = o['token'] ?? o['access_token'];
  if (typeof token !== 'string' || token.trim() === '')
    return { ok: false, why: 'its JSON has no "token" or "access_token" string' };
  if (UNSENDABLE.test(token.trim()))
    return { ok: false, why: 'its token holds a line break or a control character, which an HTTP header cannot carry' };
  if (NOT_ASCII.test(token.trim()))
    return { ok: false, why: 'its token holds a character outside ASCII, which no token holds' };
  const expiry = expiryOf(o, now);
  if (!expiry.ok) return expiry;
  if (expiry.at !== undefined && expiry.at <= now)
    return { ok: false, why: `the token it printed had expired already (at ${new Date(expiry.at).toISOString()})` };
  return {
    ok: true,
    value: expiry.at === undefined ? { token: token.trim() } : { token: token.trim(), expiresAt: expiry.at },
  };
}

function expiryOf(o: Record<string, unknown>, now: number): { ok: true; at?: number } | { ok: false; why: string } {
  const inSeconds = o['expires_in'];
  if (inSeconds !== undefined) {
    const n = typeof inSeconds === 'string' ? Number(inSeconds) : inSeconds;
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)
      return { ok: false, why: `its "expires_in" is not a number of seconds (got ${JSON.stringify(inSeconds)})` };
    return { ok: true, at: now + n * 1000 };
  }
  const field = o['expires_at'] !== undefined ? 'expires_at' : o['Expiration'] !== undefined ? 'Expiration' : undefined;
  if (field === undefined) return { ok: true };
  const at = instant(o[field]);
  return at === undefined
    ? { ok: false, why: `its "${field}" is neither a date nor epoch seconds (got ${JSON.stringify(o[field])})` }
    : { ok: true, at };
}

/** An ISO date, or epoch seconds or milliseconds (told apart by size). */
export function instant(value: unknown): number | undefined {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    return n > 1e12 ? n : n * 1000;
  }
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}
