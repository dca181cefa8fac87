// Which configured `headers:` values are secrets. Every value is, except a short allow-list of headers that are
// settings or public identifiers: proxies and AI gateways carry keys in headers of any name (Helicone-Auth,
// cf-aig-authorization, Ocp-Apim-Subscription-Key, X-Custom-Auth …), so no pattern of names can tell a key apart;
// only a list of names known to be harmless can. One rule for every place a header value is shown or scrubbed.

/**
 * Lower-case names whose values are shown as they are and not scrubbed from upstream messages. Each is a setting or
 * an identifier that authenticates nothing by itself, and seeing it helps to tell which one is in effect:
 * API versions and betas, OpenAI's organization and project ids (billing routing beside a key), OpenRouter's app
 * attribution (`HTTP-Referer`, `X-Title`: a public URL and name), and the client's name.
 */
const HARMLESS_HEADERS: ReadonlySet<string> = new Set([
  'anthropic-version', 'anthropic-beta', 'openai-beta', 'openai-organization', 'openai-project', 'http-referer',
  'x-title', 'user-agent',
]);

/** Whether the value of the header named `name` (any case) is a secret: anything not on the allow-list. */
export function isSecretHeader(name: string): boolean {
  return !HARMLESS_HEADERS.has(name.toLowerCase());
}
