// The proxy an upstream call goes through (src/config/proxy.ts decides which), worked out once per provider config and
// base URL so a call without a proxy pays one map lookup; and undici's tunnel refusals said as what they mean.
import { redactUrl } from '../config/mask.ts';
import { chooseProxy, type Env, type ProxyChoice } from '../config/proxy.ts';
import { PerConfigCache } from './per-config-cache.ts';

export type { ProxyChoice };

const TUNNEL_WHY: Readonly<Record<string, string>> = {
  '407': 'it wants a user and password, or refused the ones given',
  '403': 'it does not let this machine through to that host',
};

const TUNNEL_REFUSED = /Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/;

/** undici's "Proxy response (407) !== 200 when HTTP Tunneling", said as what it means; undefined for any other
 * message. */
export function tunnelWords(message: string): string | undefined {
  const m = TUNNEL_REFUSED.exec(message);
  if (!m?.[1]) return undefined;
  const why = TUNNEL_WHY[m[1]];
  return `the proxy refused the tunnel with HTTP ${m[1]}${why ? `: ${why}` : ''}`;
}

/** tunnelWords, or the message unchanged. */
export function tunnelMessage(message: string): string {
  return tunnelWords(message) ?? message;
}

/** The proxy said no to the tunnel for a reason asking again cannot change (its user and password, or where it lets
 * this machine go: TUNNEL_WHY), as opposed to a 502/503 from a proxy that could not reach the host this time. */
export function tunnelRefused(message: string): boolean {
  const status = TUNNEL_REFUSED.exec(message)?.[1];
  return status !== undefined && TUNNEL_WHY[status] !== undefined;
}

/** For messages: the proxy without its password, and where it was set. */
export function describeProxy(p: ProxyChoice): string {
  return `${redactUrl(p.url)} (${p.from})`;
}

// Keyed by the provider's config object, then by base URL (per-config-cache.ts).
const cache = new PerConfigCache<object, ProxyChoice | undefined>();

/** chooseProxy, worked out once per provider config and base URL. */
export function proxyFor(
  providerConfig: { proxy?: string | undefined },
  provider: string,
  baseUrl: string,
  env: Env,
  dotenv: Env,
): ProxyChoice | undefined {
  return cache.get(providerConfig, baseUrl, () => chooseProxy(provider, providerConfig.proxy, baseUrl, env, dotenv));
}
