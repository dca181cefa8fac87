// `gateway.state: redis://[user:password@]host[:port][/db]` (or rediss:// for TLS). The URL itself is handed to
// ioredis; here it is only checked, so a typo is a located config error rather than a connection that never comes,
// and masked, so the password never reaches a log line, `doctor` or an error.
import { UserError } from '../user-error.ts';
import { maskUrlPassword } from './mask.ts';

/** What is wrong with a Redis URL, or undefined when it is usable (for the config schema and openStore). */
export function redisUrlProblem(url: string): string | undefined {
  // URL parsers disagree on these (a WHATWG http: URL ends the host at `\`, ioredis does not; which `@` ends the user
  // part differs too), so the host one reads may not be the host ioredis connects to: refused, never guessed.
  const authority = url.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  if (url.includes('\\') || (authority.match(/@/g)?.length ?? 0) > 1) {
    return 'the Redis URL has a `\\` or more than one `@`, which URL parsers read differently; percent-encode them in the password (%5C, %40)';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(maskRedisUrl(url))} is not a URL; expected redis://host:port/db`;
  }
  if (parsed.hostname === '') return 'the Redis URL has no host; expected redis://host:port/db';
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    return `the Redis database must be a number (redis://host:port/0), got ${JSON.stringify(db)}`;
  return undefined;
}

export function checkRedisUrl(url: string): void {
  const problem = redisUrlProblem(url);
  if (problem !== undefined) throw new UserError(`gateway.state: ${problem}`);
}

/** The URL with any password replaced, for logs and status (the one masking rule for URLs, credentials/mask.ts). */
export const maskRedisUrl = maskUrlPassword;
