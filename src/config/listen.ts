// `gateway.listen` / `--listen` parsing, and the loopback test that guards `require_keys: false`.
import { isIP } from 'node:net';
import { isLoopback } from '../loopback.ts';
import { UserError } from '../user-error.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:4141`, `localhost:0`, `[::1]:4141` → { host, port }. */
export function parseListen(value: string, where = 'gateway.listen'): ListenAddress {
  const m = /^\[([0-9a-fA-F:]+)\]:(\d{1,5})$/.exec(value) ?? /^([^\s:[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !Number.isInteger(port)) {
    throw new UserError(`${where}: expected HOST:PORT (e.g. 127.0.0.1:4141), got ${JSON.stringify(value)}`);
  }
  if (port > 65535)
    throw new UserError(
      `${where}: port ${port} is out of range (0–65535; 0 picks a free one), in ${JSON.stringify(value)}`,
    );
  assertHostShape(m[1], where, value);
  return { host: m[1], port };
}

/** `300.1.1.1` would be looked up as a host name and fail only at listen time; `config check` says so first. */
export function assertHostShape(host: string, where: string, value: string): void {
  if (/^\d+(\.\d+){3}$/.test(host) && isIP(host) !== 4) {
    throw new UserError(
      `${where}: ${host} is not an IPv4 address (each of its four numbers is 0–255), in ${JSON.stringify(value)}`,
    );
  }
}

/** True only for addresses that cannot be reached from another machine (`0.0.0.0` and `::` are not loopback):
 * src/loopback.ts, re-exported for the gateway's modules. */
export { isLoopback };

/** The check behind `require_keys: false`: open access only where nobody else can connect. Made at start and on
 * every reload (an edit must not open a gateway that is already listening on a reachable address). */
export function assertSafeListen(
  loaded: { config: { gateway: { require_keys: boolean } } },
  host: string,
  where: string,
): void {
  if (!loaded.config.gateway.require_keys && !isLoopback(host)) {
    throw new UserError(
      `gateway.require_keys is false but the gateway would listen on ${host} (${where}), which is reachable from other machines; ` +
        'listen on 127.0.0.1 or set require_keys: true and create keys with `switchyard gateway keys create`',
    );
  }
}

/** The URL clients use to reach a listening address. */
export function urlFor(host: string, port: number): string {
  return isIP(host) === 6 ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** Whether a bind is to every interface: `0.0.0.0`, or `::` however it is spelt (`0:0:0:0:0:0:0:0`, `::0`). */
export function isEveryInterface(host: string): boolean {
  return host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
}

/** The URL to print for a listening address. A bind to every interface is printed as loopback of its family, since
 * not every system lets a client connect to `0.0.0.0`. */
export function localUrlFor(host: string, port: number): string {
  if (!isEveryInterface(host)) return urlFor(host, port);
  return urlFor(isIP(host) === 6 ? '::1' : '127.0.0.1', port);
}

/** Said under that URL when the bind is to every interface, since other machines can reach it too (else undefined). */
export function everyInterfaceNote(host: string, port: number): string | undefined {
  if (!isEveryInterface(host)) return undefined;
  return `bound to every interface (${isIP(host) === 6 ? '[::]' : host}:${port}): other machines that reach this one can call it too`;
}

/** Why an address could not be had, for the codes a user can act on (their --listen or gateway.listen). */
const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no such local address',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be looked up (no answer from DNS)',
};

/** The error for a failed listen, shared by `gateway` and `sim`: an address the user can change exits 2, anything
 * else 1. */
export function listenError(address: string, err: unknown): UserError {
  const code = (err as { code?: unknown }).code;
  const why = typeof code === 'string' ? LISTEN_FAILURES[code] : undefined;
  if (why !== undefined) return new UserError(`cannot listen on ${address}: ${why}`, { exitCode: 2 });
  return new UserError(
    `cannot listen on ${address}: ${typeof code === 'string' ? code : err instanceof Error ? err.message : String(err)}`,
    { exitCode: 1 },
  );
}
