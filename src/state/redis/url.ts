// `gateway.state: redis://[user:password@]host[:port][/db]` (or rediss:// for TLS). The URL itself is handed to
// ioredis; here it is only checked, so a typo is a located config error rather than a connection that never comes,
// and masked, so the password never reaches a log line, `doctor` or an error.
import { UserError } from '../../errors/user-error.ts';

export function checkRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`gateway.state: ${JSON.stringify(maskRedisUrl(url))} is not a URL; expected redis://host:port/db`);
  }
  if (parsed.hostname === '') throw new UserError('gateway.state: the Redis URL has no host; expected redis://host:port/db');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new UserError(`gateway.state: the Redis database must be a number (redis://host:port/0), got ${JSON.stringify(db)}`);
  }
}

/** The URL with any password replaced, for logs and status. */
export function maskRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${auth.slice(0, colon)}:***`}@`;
  });
}
