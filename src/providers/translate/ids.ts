// Answer ids in the caller's API shape (`chatcmpl-…`, `msg_…`, `resp_…`), keeping the upstream id after the prefix
// so logs can match them.
import { randomUUID } from 'node:crypto';

export type IdPrefix = 'chatcmpl-' | 'msg_' | 'resp_';

export function shapedId(prefix: IdPrefix, upstreamId: string): string {
  if (upstreamId.startsWith(prefix)) return upstreamId;
  const word = upstreamId.replace(/[^\w-]/g, '');
  return `${prefix}${word === '' ? randomUUID().replace(/-/g, '') : word}`;
}

/** A tool call's id as sent, or a fresh one unique across turns: `call_0` in every turn would repeat, which Anthropic
 * refuses. */
export function toolCallIdOf(id: unknown, prefix: 'call_' | 'toolu_'): string {
  return typeof id === 'string' && id !== '' ? id : `${prefix}${randomUUID().replace(/-/g, '')}`;
}
