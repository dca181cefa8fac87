// The gateway's record of Responses conversations in Redis: one key per answered turn, expiring with it, so a turn
// answered by one replica is continued on another (docs/gateway.md#a-conversations-state-across-a-fallback).
import type { Redis } from 'ioredis';
import { parseConversationTurn } from '../conversation-cache.ts';
import type { ConversationTurn } from '../types.ts';

export const conversationKey = (prefix: string, id: string): string => `${prefix}conversation:${id}`;

/** Writes the turns in one pipeline, each expiring at its own `expires_at`. */
export async function writeConversationTurns(
  redis: Redis,
  prefix: string,
  turns: Iterable<ConversationTurn>,
  now: number,
): Promise<void> {
  const pipeline = redis.pipeline();
  for (const t of turns) {
    const ttl = t.expires_at - now;
    if (ttl > 0) pipeline.set(conversationKey(prefix, t.id), JSON.stringify(t), 'PX', ttl);
  }
  const results = (await pipeline.exec()) ?? [];
  for (const [err] of results) if (err) throw err;
}

export async function readConversationTurn(
  redis: Redis,
  prefix: string,
  id: string,
): Promise<ConversationTurn | undefined> {
  const text = await redis.get(conversationKey(prefix, id));
  if (text === null) return undefined;
  try {
    return parseConversationTurn(JSON.parse(text));
  } catch {
    return undefined;
  }
}
