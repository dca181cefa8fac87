// Answer ids in the caller's API shape: a stateless answer's (`chatcmpl-…`, `msg_…`) keeps the upstream id after the
// prefix so logs can match them; a Responses answer's (`resp_…`) is the gateway's own, since it names a stored turn.
import { randomUUID } from 'node:crypto';

export type IdPrefix = 'chatcmpl-' | 'msg_';

export function shapedId(prefix: IdPrefix, upstreamId: string): string {
  if (upstreamId.startsWith(prefix)) return upstreamId;
  const word = upstreamId.replace(/[^\w-]/g, '');
  return `${prefix}${word === '' ? randomUUID().replace(/-/g, '') : word}`;
}

/** A response id of the gateway's own, unique whatever the upstream's was: the conversation record keeps a turn under
 * it, and an upstream that repeats ids (a restarted local server's `chatcmpl-1`) must not make two turns one. */
export const newResponseId = (): string => `resp_${randomUUID().replace(/-/g, '')}`;

/** A tool call's id as sent, or a fresh one unique across turns: `call_0` in every turn would repeat, which Anthropic
 * refuses. */
export function toolCallIdOf(id: unknown, prefix: 'call_' | 'toolu_'): string {
  return typeof id === 'string' && id !== '' ? id : `${prefix}${randomUUID().replace(/-/g, '')}`;
}
