// Answer ids in the caller's API shape: `chatcmpl-…` for chat completions, `msg_…` for messages, `resp_…` for the
// Responses API. An answer served by the other provider type keeps its upstream id after the prefix, so the two can
// still be matched in logs; an answer without one gets a fresh id. Tool calls an upstream answered without an id get
// one here too.
import { randomUUID } from 'node:crypto';

export type IdPrefix = 'chatcmpl-' | 'msg_' | 'resp_';

export function shapedId(prefix: IdPrefix, upstreamId: string): string {
  if (upstreamId.startsWith(prefix)) return upstreamId;
  const word = upstreamId.replace(/[^\w-]/g, '');
  return `${prefix}${word === '' ? randomUUID().replace(/-/g, '') : word}`;
}

/** A tool call's id as the upstream sent it, or a new one when it sent none or an empty one. A made-up id is
 * unique across turns — the conversation carries every earlier call back, and `call_0` in each turn would repeat,
 * which Anthropic refuses — and made of characters both APIs accept. */
export function toolCallIdOf(id: unknown, prefix: 'call_' | 'toolu_'): string {
  return typeof id === 'string' && id !== '' ? id : `${prefix}${randomUUID().replace(/-/g, '')}`;
}
