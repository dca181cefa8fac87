// Which `headers:` values are secrets: all but a short allow-list, since gateways take keys in headers of any name
// (docs/config.md#providersname). And what a header can carry at all.

/** Settings and public ids that authenticate nothing alone: shown as written, since seeing them tells which one is in
 * effect. */
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

/** What an HTTP header cannot carry, in the order a value is looked at, and its words. */
const UNSENDABLE = [
  { sort: 'line_break', found: /[\r\n]/, words: 'a line break (a quoted value written over several lines?)' },
  { sort: 'control', found: CONTROL, words: 'a control character' },
  { sort: 'beyond_latin1', found: /[^\t\x20-\xff]/, words: 'a character beyond Latin-1 (such as €)' },
] as const;

export type Unsendable = (typeof UNSENDABLE)[number]['sort'];

/** What in `value` an HTTP header cannot carry, as its sort and in words, or undefined. Sent, it would fail in the
 * HTTP client like a network fault, and be retried as one. */
export function unsendableOf(value: string): { sort: Unsendable; words: string } | undefined {
  return UNSENDABLE.find((u) => u.found.test(value));
}

/** unsendableOf's words. */
export function unsendableInHeader(value: string): string | undefined {
  return unsendableOf(value)?.words;
}
