// Answer ids in the caller's API shape: `chatcmpl-…` for chat completions, `msg_…` for messages, `resp_…` for the
// Responses API. An answer served by the other provider type keeps its upstream id after the prefix, so the two can
// still be matched in logs; an answer without one gets a fresh id.
import { randomUUID } from 'node:crypto';

export type IdPrefix = 'chatcmpl-' | 'msg_' | 'resp_';

export function shapedId(prefix: IdPrefix, upstreamId: string): string {
  if (upstreamId.startsWith(prefix)) return upstreamId;
  const word = upstreamId.replace(/[^\w-]/g, '');
  return `${prefix}${word === '' ? randomUUID().replace(/-/g, '') : word}`;
}
