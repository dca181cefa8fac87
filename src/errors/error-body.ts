// Reads an upstream error body whatever its shape: OpenAI `{error:{message,type,code}}`, Anthropic
// `{type:"error",error:{type,message}}`, OpenRouter `{error:{code:402,message}}`, vLLM `{object:"error",message,code}`,
// Google `[{error:{code,message,status}}]`, FastAPI `{detail}`, `{error:"text"}`, or an HTML error page. Never throws.
import { scrubSecrets } from '../log.ts';
import { redactSentSecrets } from './sent-secrets.ts';

export interface ErrorBody {
  message: string;
  /** `error.type` (OpenAI/Anthropic) or Google `status`. */
  type?: string;
  /** `error.code`, as text (OpenRouter and vLLM send numbers). */
  code?: string;
  /** True when the body was JSON. */
  json: boolean;
  /** Google `details`: the `quotaId` (else `quotaMetric`) of each QuotaFailure violation, which names the limit's
   * window (`GenerateRequestsPerMinutePerProjectPerModel-FreeTier`, `…PerDay…`). */
  quotaIds?: string[];
  /** Google `details`: RetryInfo's `retryDelay` (`"34s"`), in ms. */
  retryDelayMs?: number;
}

const MAX_MESSAGE = 300;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** Credential-named query values in a URL an upstream quotes back, for secrets we did not send ourselves (a proxy's,
 * a signed URL). Run on failures only. */
const CREDENTIAL_QUERY_VALUE =
  /([?&;][\w.-]*(?:key|token|secret|passw(?:or)?d|pwd|auth|sig|signature|credential)[\w.-]*=)[^&\s"'<>#;]+/gi;

/** How much of an upstream message is read: far past the MAX_MESSAGE characters kept, and a bound all the same (an
 * error body may be 64 KiB, an event's data has no size limit; this is an error path, not a free one). */
const MAX_SCANNED = 16_000;

/** Truncates and scrubs anything key-shaped, plus the secrets the caller knows were sent, whole or in pieces. */
export function cleanMessage(message: string, secrets: readonly string[] = []): string {
  let m = headOf(message).replace(/\s+/g, ' ').trim();
  m = redactSentSecrets(m, secrets);
  m = scrubSecrets(m.replace(CREDENTIAL_QUERY_VALUE, '$1[redacted]'));
  // Cut after scrubbing: what is cut is a masked form (`…wx`), never part of a key.
  return m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE - 1)}…` : m;
}

/** The first MAX_SCANNED characters. A cut inside a word drops the word: it may be the head of a key we did not send,
 * whose last characters the key-shaped scrubber would keep as if they ended it. (A key we sent is caught in pieces.) */
function headOf(message: string): string {
  if (message.length <= MAX_SCANNED) return message;
  return `${message.slice(0, MAX_SCANNED).replace(/[A-Za-z0-9_-]+$/, '')}…`;
}

/** What to say about an answer that could not be parsed: its head, as text, cleaned like any upstream message —
 * garbage can hold the key it was sent with (a proxy echoing the request, an HTML error page quoting headers). */
export function unparsableMessage(what: string, raw: string, secrets: readonly string[]): string {
  // Cleaned before it is cut: cutting first could split a secret and leave its head unscrubbed.
  return `${what}: ${cleanMessage(raw, secrets).slice(0, 120)}`;
}

function fromHtml(raw: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(raw)?.[1];
  const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(raw)?.[1];
  const found = title ?? h1 ?? raw.replace(/<[^>]+>/g, ' ');
  return `HTML error page: ${found
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()}`;
}

/** A google.protobuf.Duration as JSON (`"34s"`, `"0.5s"`) → ms. */
function protoDuration(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(v.trim()) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Google's structured `details` (QuotaFailure, RetryInfo), when present: they say which limit was hit and when to
 * come back more precisely than the message does. */
function googleDetails(err: Obj, body: ErrorBody): void {
  const details = err['details'];
  if (!Array.isArray(details)) return;
  const quotaIds: string[] = [];
  for (const d of details) {
    if (!isObj(d)) continue;
    const type = text(d['@type']) ?? '';
    if (type.endsWith('google.rpc.QuotaFailure') && Array.isArray(d['violations'])) {
      for (const v of d['violations']) {
        const id = isObj(v) ? (text(v['quotaId']) ?? text(v['quotaMetric'])) : undefined;
        if (id !== undefined) quotaIds.push(id);
      }
    } else if (type.endsWith('google.rpc.RetryInfo')) {
      const delay = protoDuration(d['retryDelay']);
      if (delay !== undefined) body.retryDelayMs = delay;
    }
  }
  if (quotaIds.length > 0) body.quotaIds = quotaIds;
}

function fromJson(value: unknown): ErrorBody | undefined {
  const root = Array.isArray(value) ? value[0] : value;
  if (!isObj(root)) return undefined;
  const inner = root['error'];
  const err: Obj = isObj(inner) ? inner : root;
  const message =
    text(err['message']) ??
    text(inner) ??
    text(root['message']) ??
    text(root['detail']) ??
    text(err['detail']) ??
    JSON.stringify(root);
  const body: ErrorBody = { message, json: true };
  // Anthropic puts "error" in the root `type`; the real type is inside.
  const type = text(err['type']) ?? text(err['status']) ?? (err === root ? undefined : text(root['type']));
  if (type !== undefined && type !== 'error') body.type = type;
  const code = text(err['code']) ?? text(root['code']);
  if (code !== undefined) body.code = code;
  googleDetails(err, body);
  return body;
}

/** Parses any error body; `secrets` are scrubbed from the message. */
export function readErrorBody(raw: string | undefined, secrets: readonly string[] = []): ErrorBody {
  const trimmed = (raw ?? '').trim();
  if (trimmed === '') return { message: '', json: false };
  let parsed: ErrorBody | undefined;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      parsed = fromJson(JSON.parse(trimmed));
    } catch {
      parsed = undefined;
    }
  }
  if (parsed === undefined) {
    const message = /^\s*<(!doctype|html|head|body)/i.test(trimmed) ? fromHtml(trimmed) : trimmed;
    parsed = { message, json: false };
  }
  return { ...parsed, message: cleanMessage(parsed.message, secrets) };
}

/** The same reader for an already parsed payload (an error event inside a stream). */
export function readErrorPayload(payload: unknown, secrets: readonly string[] = []): ErrorBody {
  const parsed = fromJson(payload) ?? { message: typeof payload === 'string' ? payload : '', json: false };
  return { ...parsed, message: cleanMessage(parsed.message, secrets) };
}
