// Which configured `headers:` values are secrets. Every value is, except a short allow-list of headers that are
// settings or public identifiers: proxies and AI gateways carry keys in headers of any name (Helicone-Auth,
// cf-aig-authorization, Ocp-Apim-Subscription-Key, X-Custom-Auth …), so no pattern of names can tell a key apart;
// only a list of names known to be harmless can. One rule for every place a header value is shown or scrubbed.
// And what a header can carry at all, for the config's headers and for keys (sent in one).

/**
 * Lower-case names whose values are shown as they are and not scrubbed from upstream messages. Each is a setting or
 * an identifier that authenticates nothing by itself, and seeing it helps to tell which one is in effect:
 * API versions and betas, OpenAI's organization and project ids (billing routing beside a key), OpenRouter's app
 * attribution (`HTTP-Referer`, `X-Title`: a public URL and name), and the client's name.
 */
const HARMLESS_HEADERS: ReadonlySet<string> = new Set([
  'anthropic-version',
  'anthropic-beta',
  'openai-beta',
  'openai-organization',
  'openai-project',
  'http-referer',
  'x-title',
  'user-agent',
]);

/** Whether the value of the header named `name` (any case) is a secret: anything not on the allow-list. */
export function isSecretHeader(name: string): boolean {
  return !HARMLESS_HEADERS.has(name.toLowerCase());
}

/** A header name as HTTP defines one (a token): letters, digits and ``!#$%&'*+-.^_`|~``. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * What in `value` an HTTP header cannot carry, or undefined when it can be sent: a line break (a quoted value written
 * over several lines), another control character (a tab is fine), or a character beyond Latin-1 (`ü` is fine, `€` is
 * not). Sent, such a value fails inside the HTTP client ("invalid … header"), which reads like a network fault and
 * is retried as one.
 */
export function unsendableInHeader(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'a line break (a quoted value written over several lines?)';
  if (CONTROL.test(value)) return 'a control character';
  if (/[^\t\x20-\xff]/.test(value)) return 'a character beyond Latin-1 (such as €)';
  return undefined;
}
