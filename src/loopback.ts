// Whether a host name or address is this machine's loopback: the gateway's `require_keys: false` guard and the rule
// that an upstream on loopback is never sent to a proxy from the environment both ask it.
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === 'ip6-localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}
