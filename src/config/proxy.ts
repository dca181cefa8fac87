// Which proxy an upstream call goes through: the provider's `proxy:`, else the environment's, never for a loopback
// upstream (docs/config.md#proxies). One decision for config check, config show and the calls.
import { isLoopback } from '../loopback.ts';
import { redactUrl } from './mask.ts';

export interface ProxyChoice {
  /** The proxy URL as written (it may hold a user and password: show it through redactUrl only). */
  url: string;
  /** Where it was set, for messages: `providers.openai.proxy`, `env HTTPS_PROXY`, `.env HTTPS_PROXY`. */
  from: string;
  /** The variable it came from, when not the config (`config show --explain` shows it as that origin). */
  variable?: { name: string; inDotenv: boolean };
}

export type Env = Readonly<Record<string, string | undefined>>;

/** An HTTP proxy (CONNECT tunnel) or an HTTPS one. Not SOCKS: undici's SOCKS5 client is experimental in this
 * version and prints a Node warning on stderr, which would break the gateway's JSON log lines. */
const PROXY_SCHEMES: readonly string[] = ['http:', 'https:'];

/** Why a proxy value cannot be used, or undefined when it can. */
export function proxyProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a valid URL (a port above 65535, a space, …)';
  }
  if (PROXY_SCHEMES.includes(url.protocol) && url.hostname !== '') return undefined;
  if (!value.includes('://')) return `it has no scheme: write http://${value}`;
  if (url.protocol === 'socks5:' || url.protocol === 'socks:' || url.protocol === 'socks5h:')
    return 'SOCKS proxies are not supported; use an HTTP proxy (CONNECT)';
  return url.hostname === '' ? 'it names no host' : `${url.protocol} is not a proxy scheme (http or https)`;
}

/** A proxy variable as curl reads it: `proxy.corp:3128` is `http://proxy.corp:3128`. */
function fromEnvironment(value: string): string {
  return value.includes('://') ? value : `http://${value}`;
}

/** The variable names for a base URL's scheme, in the order they are read (lower case first, as curl does). */
function variablesFor(protocol: string): readonly string[] {
  return protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
}

function lookup(
  names: readonly string[],
  env: Env,
  dotenv: Env,
): { value: string; from: string; name: string; inDotenv: boolean } | undefined {
  for (const [vars, where] of [
    [env, 'env'],
    [dotenv, '.env'],
  ] as const) {
    for (const name of names) {
      const value = vars[name]?.trim();
      if (value) return { value, from: `${where} ${name}`, name, inDotenv: where === '.env' };
    }
  }
  return undefined;
}

/** `NO_PROXY` as curl and undici read it (docs/config.md#proxies). */
export function noProxyMatches(noProxy: string, hostname: string, port: number): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of noProxy.split(/[,\s]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const m = /^(.+):(\d+)$/.exec(raw);
    const entry = (m?.[1] ?? raw)
      .replace(/^\*?\./, '')
      .replace(/^\[|\]$/g, '')
      .toLowerCase();
    if (m?.[2] !== undefined && Number(m[2]) !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** The proxy for calls to `baseUrl`, or undefined to send them directly. `setting` is the provider's `proxy:`. */
export function chooseProxy(
  provider: string,
  setting: string | undefined,
  baseUrl: string,
  env: Env,
  dotenv: Env,
): ProxyChoice | undefined {
  if (setting === 'none') return undefined;
  if (setting !== undefined) return { url: setting, from: `providers.${provider}.proxy` };
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined;
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (isLoopback(hostname)) return undefined;
  const found = lookup(variablesFor(url.protocol), env, dotenv);
  // An unusable value is said once at load (environmentProxyWarnings) and ignored here: a call sent directly may
  // work, one sent to "garbage" never does.
  if (found === undefined || proxyProblem(fromEnvironment(found.value)) !== undefined) return undefined;
  const noProxy = lookup(['no_proxy', 'NO_PROXY'], env, dotenv)?.value ?? '';
  if (noProxyMatches(noProxy, hostname, Number(url.port) || DEFAULT_PORTS[url.protocol] || 0)) return undefined;
  return {
    url: fromEnvironment(found.value),
    from: found.from,
    variable: { name: found.name, inDotenv: found.inDotenv },
  };
}

/** A warning per unusable proxy variable that some provider would read (no `proxy:` of its own, not on loopback); a
 * variable no provider reads is none of our business. */
export function environmentProxyWarnings(
  providers: Readonly<Record<string, { proxy?: string | undefined; base_url: string }>>,
  env: Env,
  dotenv: Env,
): string[] {
  const schemes = new Set<string>();
  for (const p of Object.values(providers)) {
    if (p.proxy !== undefined) continue;
    try {
      const url = new URL(p.base_url);
      if (!isLoopback(url.hostname.replace(/^\[|\]$/g, ''))) schemes.add(url.protocol);
    } catch {
      // the schema refused it already
    }
  }
  const out: string[] = [];
  for (const scheme of schemes) {
    for (const [vars, where] of [
      [env, 'env'],
      [dotenv, '.env'],
    ] as const) {
      for (const name of variablesFor(scheme)) {
        const value = vars[name]?.trim();
        if (!value) continue;
        const problem = proxyProblem(fromEnvironment(value));
        if (problem !== undefined)
          out.push(
            `${where} ${name} is not a proxy switchyard can use (${JSON.stringify(redactUrl(value))}: ${problem}); calls to ${scheme === 'https:' ? 'https' : 'http'} providers go directly`,
          );
      }
    }
  }
  return out;
}
