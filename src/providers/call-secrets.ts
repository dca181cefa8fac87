// The secrets a call sends (key, secret header values, base URL and proxy credentials), to scrub from whatever an
// upstream echoes back. Worked out only on failure, and once per provider config.
import { isSecretHeader } from '../config/header-values.ts';
import { isSecretQueryValue } from '../config/mask.ts';
import type { SendContext } from './types.ts';
import { PerConfigCache } from './per-config-cache.ts';

/** What a call was sent with that can hold a secret (and whether it goes on a connection of its own). */
export type SentWith = Pick<SendContext, 'apiKey' | 'headers' | 'baseUrl' | 'proxy' | 'onStatus' | 'freshConnection'>;

// Keyed by the headers object of a loaded config, then by base URL and proxy (per-config-cache.ts).
const byHeaders = new PerConfigCache<Record<string, string>, readonly string[]>();

/** The key plus the config's secrets, for scrubbing one failure's message. */
export function callSecrets(sent: SentWith): readonly string[] {
  return [sent.apiKey, ...configSecrets(sent.headers, sent.baseUrl, sent.proxy?.url)];
}

/** The secret header values and base URL and proxy URL parts of one provider config, worked out once. */
export function configSecrets(headers: Record<string, string>, baseUrl: string, proxyUrl?: string): readonly string[] {
  // A space is in no URL: the two cannot run together into another pair's key.
  const urls = proxyUrl === undefined ? baseUrl : `${baseUrl} ${proxyUrl}`;
  return byHeaders.get(headers, urls, () =>
    longestFirst([
      ...headerSecrets(headers),
      ...urlSecrets(baseUrl),
      ...(proxyUrl === undefined ? [] : urlSecrets(proxyUrl)),
    ]),
  );
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

/** The user-info (a lone user name is taken for a token, as `https://TOKEN@host` uses it) and every secret query
 * value, both decoded and as written: an upstream quotes the URL as it was sent, percent-encoding and all. */
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
  // The values `config show` masks, whatever their name (`?api-version=KEY`): a date is a setting, not a key.
  for (const part of url.search.slice(1).split('&')) {
    const value = part.slice(part.indexOf('=') + 1);
    if (isSecretQueryValue(value)) add(value);
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
