// `gateway.listen` / `--listen` parsing, and the loopback test that guards `require_keys: false`.
import { isIP } from 'node:net';
import { UserError } from '../errors/user-error.ts';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:4141`, `localhost:0`, `[::1]:4141` → { host, port }. */
export function parseListen(value: string, where = 'gateway.listen'): ListenAddress {
  const m = /^\[([0-9a-fA-F:]+)\]:(\d{1,5})$/.exec(value) ?? /^([^\s:[\]]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !m[1] || !Number.isInteger(port) || port > 65535) {
    throw new UserError(`${where}: expected HOST:PORT (e.g. 127.0.0.1:4141), got ${JSON.stringify(value)}`);
  }
  return { host: m[1], port };
}

/** True only for addresses that cannot be reached from another machine. `0.0.0.0` and `::` are not loopback. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === 'ip6-localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** The URL clients use to reach a listening address. */
export function urlFor(host: string, port: number): string {
  return isIP(host) === 6 ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
