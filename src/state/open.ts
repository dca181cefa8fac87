// Opens the state store named by `gateway.state`: embedded SQLite (the default) in stateHome()/state.db, or Redis
// for credential health shared between gateway replicas (with the embedded file for everything else).
import { dirname, join } from 'node:path';
import { UserError } from '../user-error.ts';
import { stateHome } from '../config/home.ts';
import { SqliteStore } from './sqlite/store.ts';
import { RedisStore } from './redis/store.ts';
import { isRedisUrl, REDIS_FORMS, redisTarget } from '../config/redis-url.ts';
import { prefixProblem } from './redis/client.ts';
import { KEY_MIRROR_FILE } from './redis/key-mirror.ts';
import type { StateStore } from './types.ts';

export { stateHome };

export interface OpenStoreOptions {
  /** Directory for state; default $SWITCHYARD_HOME, else $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard. */
  home?: string;
  env?: Record<string, string | undefined>;
  /** `sqlite` (default), `memory` (private to this process, nothing written) or a Redis URL (gateway.state:
   * `redis://…`, `redis+cluster://…`, `redis+sentinel://…`). */
  kind?: string;
  /** The Redis store's key prefix (gateway.state_prefix); default: the one for the URL's form (redis/client.ts). */
  prefix?: string | undefined;
  /** Testing knobs: how often queued writes are flushed and other processes' changes are polled. */
  flushIntervalMs?: number;
  pollIntervalMs?: number;
  /** How long a Redis store waits for its first answer before going on locally (default 2 s, a gateway's start). */
  connectTimeoutMs?: number;
  /** Where the store's warnings go (default stderr): Redis unreachable / reachable again, the state file cannot be
   * written (a full disk) / can be again. */
  warn?: (message: string) => void;
  /** Testing knob: caps the state file's size in pages, so that writes fail as on a full disk (sqlite only). */
  maxPageCount?: number;
}

export const STATE_FILE = 'state.db';

export function statePath(options: OpenStoreOptions = {}): string {
  return join(options.home ?? stateHome(options.env ?? process.env), STATE_FILE);
}

export function openStore(options: OpenStoreOptions = {}): StateStore {
  const kind = options.kind ?? 'sqlite';
  const timing = { flushIntervalMs: options.flushIntervalMs, pollIntervalMs: options.pollIntervalMs };
  const local = {
    ...timing,
    ...(options.warn ? { warn: options.warn } : {}),
    ...(options.maxPageCount !== undefined ? { maxPageCount: options.maxPageCount } : {}),
  };
  if (kind === 'memory') return new SqliteStore({ path: ':memory:', ...timing });
  if (kind === 'sqlite') return new SqliteStore({ path: statePath(options), ...local });
  if (isRedisUrl(kind)) {
    const target = redisTarget(kind);
    const badPrefix = options.prefix === undefined ? undefined : prefixProblem(options.prefix, target);
    if (badPrefix !== undefined) throw new UserError(`gateway.state_prefix: ${badPrefix}`);
    // Health is shared through Redis; keys, stored credentials and sessions stay in the embedded file.
    const embedded = new SqliteStore({ path: statePath(options), ...local });
    const keyMirrorPath = join(dirname(statePath(options)), KEY_MIRROR_FILE);
    return new RedisStore({
      url: kind,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      local: embedded,
      keyMirrorPath,
      budgetOutageDir: dirname(statePath(options)),
      ...timing,
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
    });
  }
  throw new UserError(`gateway.state: expected sqlite, ${REDIS_FORMS}, got ${JSON.stringify(kind)}`);
}
