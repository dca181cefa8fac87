// The exact secrets a call sends, to be scrubbed from whatever an upstream says back: a proxy or gateway that
// repeats the request in its error (URL, headers) must not carry them to a client, a log line or `doctor`. Beside
// the key: every secret `headers:` value (src/credentials/header-values.ts) and the base URL's user-info and query
// values. Only failures need them, so nothing is worked out while upstreams answer; the part that comes from the
// config is worked out once per provider config (its headers object and base URL), not per request.
import { isSecretHeader } from '../credentials/header-values.ts';
import type { SendContext } from './types.ts';
import { PerConfigCache } from './per-config-cache.ts';

/** What a call was sent with that can hold a secret. */
export type SentWith = Pick<SendContext, 'apiKey' | 'headers' | 'baseUrl' | 'proxy' | 'onStatus'>;

// Keyed by the headers object of a loaded config, then by base URL (per-config-cache.ts).
const byHeaders = new PerConfigCache<Record<string, string>, readonly string[]>();

/** Query parameters that are settings, not keys: Azure's `api-version=2024-06-01` would otherwise turn every date in
 * its error messages into `[redacted]`. */
const HARMLESS_QUERY: ReadonlySet<string> = new Set(['api-version']);

/** The key plus the config's secrets, for scrubbing one failure's message. */
export function callSecrets(sent: SentWith): readonly string[] {
  return [sent.apiKey, ...configSecrets(sent.headers, sent.baseUrl)];
}

/** The secret header values and base URL parts of one provider config, worked out once. */
export function configSecrets(headers: Record<string, string>, baseUrl: string): readonly string[] {
  return byHeaders.get(headers, baseUrl, () => longestFirst([...headerSecrets(headers), ...urlSecrets(baseUrl)]));
}

/** Each secret header value, and the credential after its scheme (`Bearer X` → also `X`): an echo may quote either. */
function headerSecrets(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!isSecretHeader(name)) continue;
    const v = value.trim();
    out.push(v);
    const scheme = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(v);
    if (scheme?.[1] !== undefined) out.push(scheme[1]);
  }
  return out;
}

/** The user-info (a lone user name is taken for a token, as `https://TOKEN@host` uses it) and every query value,
 * both decoded and as written: an upstream quotes the URL as it was sent, percent-encoding and all. */
function urlSecrets(baseUrl: string): string[] {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return [];
  }
  const out: string[] = [];
  const add = (raw: string): void => {
    if (raw === '') return;
    out.push(raw);
    const decoded = safeDecode(raw);
    if (decoded !== raw) out.push(decoded);
  };
  if (url.password !== '') add(url.password);
  else add(url.username);
  for (const part of url.search.slice(1).split('&')) {
    const eq = part.indexOf('=');
    if (eq >= 0 && HARMLESS_QUERY.has(part.slice(0, eq).toLowerCase())) continue;
    add(eq < 0 ? part : part.slice(eq + 1));
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Longest first, so a value is scrubbed whole before a part of it (`Bearer X` before `X`). */
function longestFirst(values: string[]): string[] {
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}
