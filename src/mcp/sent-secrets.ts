// What the gateway sent an MCP server that is a credential (its keys or minted tokens, its headers' secret values, its
// URL's query-string secrets; a local server's variables), taken out of everything the server says back: tool results
// (an `isError` one too), lists, prompts and resources; its error messages, relayed or logged, go through the chat
// providers' `cleanMessage` (errors/error-body.ts) with these secrets. The secrets are worked out as a provider's are
// (providers/call-secrets.ts).
import { configSecrets } from '../providers/call-secrets.ts';
import { redactSentSecrets } from '../errors/sent-secrets.ts';

/** Tokens kept per server: a key pool's and a minted source's recent tokens; older ones are long expired. */
const MAX_TOKENS = 16;

/** A local server's variable shorter than this is a setting (`1`, `true`, `debug`), not a credential: scrubbing it
 * would blank ordinary words of its results. */
const MIN_ENV_SECRET = 8;

/** The credentials one server was sent: the config's, worked out once, and each token as the fetch sends it. */
export class ServerSecrets {
  readonly #fixed: readonly string[];
  readonly #tokens = new Set<string>();
  #all: readonly string[] | undefined;

  constructor(fixed: readonly string[]) {
    this.#fixed = fixed;
  }

  /** A remote server's: its headers' secret values and its URL's user-info and query-string secrets. */
  static remote(headers: Record<string, string>, url: string): ServerSecrets {
    return new ServerSecrets(configSecrets(headers, url));
  }

  /** A local server's: the values of its `env:` (config treats each as a secret: docs/config.md). */
  static stdio(env: Readonly<Record<string, string>> | undefined): ServerSecrets {
    return new ServerSecrets(Object.values(env ?? {}).filter((v) => v.trim().length >= MIN_ENV_SECRET));
  }

  /** A token (a key or a minted token) put on a request to the server. */
  sent(token: string): void {
    if (this.#tokens.has(token)) return;
    if (this.#tokens.size >= MAX_TOKENS) this.#tokens.delete(this.#tokens.values().next().value!);
    this.#tokens.add(token);
    this.#all = undefined;
  }

  /** Longest first, so a value goes whole before a part of it. */
  list(): readonly string[] {
    this.#all ??= [...new Set([...this.#fixed, ...this.#tokens])].sort((a, b) => b.length - a.length);
    return this.#all;
  }
}

/** A server's answer with the credentials it was sent taken out of every string in it, and nothing else changed:
 * what a tool returns is the caller's data, so only what the gateway itself sent is redacted. */
export function scrubAnswer<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  return scrubValue(value, secrets) as T;
}

function scrubValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSentSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets);
  return out;
}
