// Prompt-cache affinity between replicas on one Redis: each flush publishes the records set since the last one, and
// every replica subscribed takes them into its memory. Nothing is kept in Redis: a record is a hint that expires in
// minutes, so one missed while a replica was disconnected costs at most one cold cache.
import { closeRedisClient, isCluster, keepConnecting, type RedisClient } from './client.ts';
import { parseAffinity } from '../affinity-cache.ts';
import type { AffinityRecord } from '../types.ts';

export class AffinityChannel {
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  /** Resolves once this replica listens (the store's ready() waits for it a little, so a record published by
   * another replica right after start is not missed). */
  readonly subscribed: Promise<void>;
  private onSubscribed: () => void = () => {};

  constructor(redis: RedisClient, channel: string, onRecords: (records: AffinityRecord[]) => void) {
    this.publisher = redis;
    this.channel = channel;
    this.subscribed = new Promise((resolve) => {
      this.onSubscribed = resolve;
    });
    // A connection in subscriber mode takes no other command: a second one, with the first one's options (a
    // cluster's subscribes on one node, and a PUBLISH on any node reaches it). The 'ready' handler below subscribes
    // again after a reconnect: ioredis's own resubscribe leaves its promise unhandled, so a connection dropped right
    // after it came back was an unhandled rejection (a cluster's subscriber node resubscribes in its own code).
    this.subscriber = isCluster(redis) ? redis.duplicate() : redis.duplicate({ autoResubscribe: false });
    keepConnecting(this.subscriber);
    this.subscriber.on('error', () => {
      // The main connection reports Redis being unreachable; this one only retries.
    });
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(channel).then(
        () => this.onSubscribed(),
        () => {},
      );
    });
    this.subscriber.on('message', (from: string, text: string) => {
      if (from === channel) onRecords(parseBatch(text));
    });
  }

  /** Sent to every replica subscribed now (this one included, which ignores what it holds already). */
  async publish(records: Iterable<AffinityRecord>): Promise<void> {
    const list = [...records];
    if (list.length > 0) await this.publisher.publish(this.channel, JSON.stringify(list));
  }

  close(): void {
    closeRedisClient(this.subscriber);
  }
}

function parseBatch(text: string): AffinityRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const out: AffinityRecord[] = [];
  for (const item of value) {
    const r = parseAffinity(item);
    if (r !== undefined) out.push(r);
  }
  return out;
}
