// `gateway.state` as Redis: one server `redis://[user:password@]host[:port][/db]`, a Redis Cluster
// `redis+cluster://[:password@]host:port[,host:port…]` or a Sentinel-watched master
// `redis+sentinel://[:password@]host:port[,host:port…]/MASTER[/db]` (`rediss…` for TLS). A single server's URL is
// handed to ioredis as it is; the other two are parsed here into the seed nodes ioredis's own Cluster and Sentinel
// clients take. Checked here, so a typo is a located config error rather than a connection that never comes, and
// masked, so the password never reaches a log line, `doctor` or an error.
import { UserError } from '../user-error.ts';
import { maskUrlPassword } from './mask.ts';

export interface RedisNode {
  host: string;
  port: number;
}

/** What a `gateway.state` Redis URL names: one server (its URL as ioredis reads it), a cluster's seed nodes, or the
 * sentinels that know where the master named `master` is now. */
export type RedisTarget =
  | { form: 'server'; url: string }
  | { form: 'cluster'; nodes: RedisNode[]; tls: boolean; username?: string; password?: string }
  | {
      form: 'sentinel';
      sentinels: RedisNode[];
      master: string;
      db: number;
      tls: boolean;
      username?: string;
      password?: string;
    };

/** `redis://`, `rediss://`, `redis+cluster://`, `rediss+sentinel://`…: a URL openStore hands to the Redis store. */
export const REDIS_URL = /^rediss?(\+(cluster|sentinel))?:\/\//;

/** The forms, for the messages that list them. */
export const REDIS_FORMS = 'redis://host:port/db, redis+cluster://host:port,… or redis+sentinel://host:port,…/MASTER';

const DEFAULT_PORT = { cluster: 6379, sentinel: 26379 } as const;

export function isRedisUrl(value: string): boolean {
  return REDIS_URL.test(value);
}

/** The URL read, or what is wrong with it. */
export function parseRedisUrl(url: string): RedisTarget | { problem: string } {
  // URL parsers disagree on these (a WHATWG http: URL ends the host at `\`, ioredis does not; which `@` ends the user
  // part differs too), so the host one reads may not be the host ioredis connects to: refused, never guessed.
  const authority = url.replace(/^[a-z+]+:\/\//i, '').split('/')[0] ?? '';
  if (url.includes('\\') || (authority.match(/@/g)?.length ?? 0) > 1) {
    return {
      problem:
        'the Redis URL has a `\\` or more than one `@`, which URL parsers read differently; percent-encode them in the password (%5C, %40)',
    };
  }
  const multi = /^(rediss?)\+(cluster|sentinel):\/\/(.*)$/i.exec(url);
  if (multi === null) return parseServerUrl(url);
  const [, scheme, form, rest] = multi as unknown as [string, string, 'cluster' | 'sentinel', string];
  return parseMultiHost(scheme.toLowerCase() === 'rediss', form, rest, url);
}

function parseServerUrl(url: string): RedisTarget | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: `${JSON.stringify(maskRedisUrl(url))} is not a URL; expected ${REDIS_FORMS}` };
  }
  if (parsed.hostname === '') return { problem: 'the Redis URL has no host; expected redis://host:port/db' };
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    return { problem: `the Redis database must be a number (redis://host:port/0), got ${JSON.stringify(db)}` };
  return { form: 'server', url };
}

/** `[user:password@]host:port,host:port[/path]` after the scheme of a cluster or sentinel URL. */
function parseMultiHost(
  tls: boolean,
  form: 'cluster' | 'sentinel',
  rest: string,
  url: string,
): RedisTarget | { problem: string } {
  const shape =
    form === 'cluster' ? 'redis+cluster://host:port,host:port' : 'redis+sentinel://host:port,host:port/MASTER[/db]';
  if (/[?#]/.test(rest))
    return {
      problem: `the Redis URL takes no query or fragment here; expected ${shape}, got ${JSON.stringify(maskRedisUrl(url))}`,
    };
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const credentials = at < 0 ? undefined : userInfo(authority.slice(0, at));
  if (credentials !== undefined && 'problem' in credentials) return credentials;
  const nodes = parseNodes(at < 0 ? authority : authority.slice(at + 1), DEFAULT_PORT[form], shape);
  if ('problem' in nodes) return nodes;
  const auth = credentials ?? {};
  if (form === 'cluster') {
    if (path.replace(/\/$/, '') !== '')
      return {
        problem: `a Redis Cluster has only database 0, so its URL has no path; expected ${shape}, got ${JSON.stringify(maskRedisUrl(url))}`,
      };
    return { form, nodes: nodes.nodes, tls, ...auth };
  }
  const [master = '', db = '0', ...extra] = path.replace(/\/$/, '').split('/');
  if (master === '' || extra.length > 0)
    return {
      problem: `a Sentinel URL names the master after the hosts; expected ${shape}, got ${JSON.stringify(maskRedisUrl(url))}`,
    };
  if (!/^\d+$/.test(db))
    return {
      problem: `the Redis database must be a number (${shape.replace('[/db]', '/0')}), got ${JSON.stringify(db)}`,
    };
  return { form, sentinels: nodes.nodes, master: decodeURIComponent(master), db: Number(db), tls, ...auth };
}

/** `password`, `:password` or `user:password`, percent-decoded (a lone part is a password, as in redis:// URLs). */
function userInfo(text: string): { username?: string; password?: string } | { problem: string } {
  try {
    const colon = text.indexOf(':');
    if (colon < 0) return text === '' ? {} : { password: decodeURIComponent(text) };
    const username = decodeURIComponent(text.slice(0, colon));
    const password = decodeURIComponent(text.slice(colon + 1));
    return { ...(username !== '' ? { username } : {}), ...(password !== '' ? { password } : {}) };
  } catch {
    return { problem: 'the Redis URL has a malformed %-escape in its user or password' };
  }
}

/** `host:port,[::1]:port,host` (the port defaults to the form's own). */
function parseNodes(text: string, defaultPort: number, shape: string): { nodes: RedisNode[] } | { problem: string } {
  const nodes: RedisNode[] = [];
  for (const part of text.split(',')) {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(part.trim());
    const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
    if (m === null || port < 1 || port > 65535)
      return { problem: `the Redis URL lists ${JSON.stringify(part)} where a host:port belongs; expected ${shape}` };
    nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return { nodes };
}

/** What is wrong with a Redis URL, or undefined when it is usable (for the config schema and openStore). */
export function redisUrlProblem(url: string): string | undefined {
  const target = parseRedisUrl(url);
  return 'problem' in target ? target.problem : undefined;
}

/** The URL read; a UserError naming `gateway.state` when it cannot be. */
export function redisTarget(url: string): RedisTarget {
  const target = parseRedisUrl(url);
  if ('problem' in target) throw new UserError(`gateway.state: ${target.problem}`);
  return target;
}

export function checkRedisUrl(url: string): void {
  redisTarget(url);
}

/** `redis://host:port` for each server the URL names (where a `${VAR}` in it is sent). */
export function redisHosts(url: string): string[] {
  const target = parseRedisUrl(url);
  if ('problem' in target) return [];
  if (target.form === 'server') {
    const u = new URL(url);
    return [`${u.protocol}//${u.host}`];
  }
  const scheme = target.tls ? 'rediss' : 'redis';
  const nodes = target.form === 'cluster' ? target.nodes : target.sentinels;
  return nodes.map((n) => `${scheme}://${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`);
}

/** The URL with any password replaced, for logs and status (the one masking rule for URLs, credentials/mask.ts). */
export const maskRedisUrl = maskUrlPassword;
