// The gateway's record of Responses conversations in Redis: one key per answered turn, expiring with it, so a turn
// answered by one replica is continued on another (docs/responses.md#a-conversations-state-across-a-fallback).
import type { RedisClient } from './client.ts';
import { parseConversationTurn } from '../conversation-cache.ts';
import type { ConversationTurn } from '../types.ts';

export const conversationKey = (prefix: string, id: string): string => `${prefix}conversation:${id}`;

/** Writes the turns in one pipeline, each expiring at its own `expires_at`, then moves the expiries of the turns
 * continued (never earlier: `GT`). */
export async function writeConversationTurns(
  redis: RedisClient,
  prefix: string,
  turns: Iterable<ConversationTurn>,
  extensions: Iterable<[string, number]>,
  now: number,
): Promise<void> {
  const pipeline = redis.pipeline();
  for (const t of turns) {
    const ttl = t.expires_at - now;
    if (ttl > 0) pipeline.set(conversationKey(prefix, t.id), JSON.stringify(t), 'PX', ttl);
  }
  for (const [id, expiresAt] of extensions) pipeline.pexpireat(conversationKey(prefix, id), expiresAt, 'GT');
  const results = (await pipeline.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
}

/** The turns, in the order asked, in one round trip; each one's expiry is its key's own (an extension moves only
 * that). */
export async function readConversationTurns(
  redis: RedisClient,
  prefix: string,
  ids: readonly string[],
  now: number,
): Promise<(ConversationTurn | undefined)[]> {
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.get(conversationKey(prefix, id)).pttl(conversationKey(prefix, id));
  const replies = (await pipeline.exec()) ?? [];
  return ids.map((_, i) => turnOf(replies[2 * i]?.[1], replies[2 * i + 1]?.[1], now));
}

/** A turn as read, its expiry the later of its own and its key's (an extension); gone once that is not after `now`.
 * The key's PTTL counts on Redis's clock, so it is made absolute with the wall clock, not the caller's `now`. */
function turnOf(text: unknown, ttl: unknown, now: number): ConversationTurn | undefined {
  if (typeof text !== 'string') return undefined;
  let turn: ConversationTurn | undefined;
  try {
    turn = parseConversationTurn(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (turn === undefined) return undefined;
  const expiresAt = typeof ttl === 'number' && ttl > 0 ? Math.max(turn.expires_at, Date.now() + ttl) : turn.expires_at;
  return expiresAt > now ? { ...turn, expires_at: expiresAt } : undefined;
}
