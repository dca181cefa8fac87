// Whether a Sentinel client's master may take budget writes alone. ioredis hears of a failover from the sentinels'
// `+switch-master`, on a subscription it makes only once connected: a client that reached the old master (killed and
// back within a second) just before the switch misses it, and stays on a master that takes writes until the sentinel
// demotes it, seconds later, while the other gateways write to the promoted one. And until the switch, that master
// is one the sentinels find down and are replacing: what it takes then is dropped with it. Asked only while the
// master has no replica online, so a healthy deployment costs nothing (docs/replicas.md#redis-cluster-and-sentinel).
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { RedisNode } from '../../config/redis-url.ts';
import { bounded } from './bounded.ts';

/** A sentinel's flags for a master it finds down (alone, or with the quorum) or is failing over. */
const FAILING_FLAGS = ['s_down', 'o_down', 'failover_in_progress'];

export interface SentinelTarget {
  sentinels: RedisNode[];
  master: string;
  tls: boolean;
}

/** The value of `field` in `INFO`'s `field:value` lines. */
function infoField(info: string, field: string): string | undefined {
  const line = info.split(/\r?\n/).find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1).trim();
}

/** The value of `field` in a `SENTINEL MASTER` reply (a flat list of names and values). */
function replyField(reply: unknown, field: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  const at = reply.indexOf(field);
  return at >= 0 && at % 2 === 0 ? String(reply[at + 1]) : undefined;
}

export class SentinelCheck {
  readonly #target: SentinelTarget;
  readonly #timeoutMs: number;
  /** The sentinel asked last; the next one is tried when it does not answer. */
  #next = 0;
  #sentinel: Redis | undefined;

  constructor(target: SentinelTarget, timeoutMs: number) {
    this.#target = target;
    this.#timeoutMs = timeoutMs;
  }

  /** What the sentinels say of the server `client` is on: another master than theirs (by run id: an address may be
   * named differently by the sentinel and by the client), theirs while they find it down or fail it over, or theirs
   * and well. Undefined when either does not say. */
  async verdict(client: Redis): Promise<'another' | 'failing' | 'theirs' | undefined> {
    const [named, here] = await Promise.all([this.#named(), bounded(client.info('server'), this.#timeoutMs)]);
    const runId = infoField(here, 'run_id');
    if (named === undefined || named.runId === '' || runId === undefined) return undefined;
    if (named.runId !== runId) return 'another';
    return FAILING_FLAGS.some((f) => named.flags.includes(f)) ? 'failing' : 'theirs';
  }

  /** Whether the master `client` is on may take budget writes with no replica online: not when the sentinels name
   * another (the client then reconnects, and ioredis asks them again where the master is), nor while they find it
   * down or fail it over (a master killed and back, about to be replaced). */
  async aloneOk(client: Redis): Promise<boolean> {
    const verdict = await this.verdict(client);
    if (verdict === 'another') client.disconnect(true);
    return verdict !== 'another' && verdict !== 'failing';
  }

  close(): void {
    this.#sentinel?.disconnect();
    this.#sentinel = undefined;
  }

  async #named(): Promise<{ runId: string; flags: string } | undefined> {
    const sentinel = (this.#sentinel ??= this.#open());
    try {
      const reply = await bounded(sentinel.call('SENTINEL', 'MASTER', this.#target.master), this.#timeoutMs);
      return { runId: replyField(reply, 'runid') ?? '', flags: replyField(reply, 'flags') ?? '' };
    } catch {
      // This sentinel did not answer: the next one is asked next time.
      this.close();
      this.#next = (this.#next + 1) % this.#target.sentinels.length;
      return undefined;
    }
  }

  #open(): Redis {
    const { Redis: RedisCtor } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    const node = this.#target.sentinels[this.#next]!;
    const sentinel = new RedisCtor({
      host: node.host,
      port: node.port,
      connectTimeout: this.#timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      ...(this.#target.tls ? { tls: {} } : {}),
    });
    sentinel.on('error', () => {});
    return sentinel;
  }
}
