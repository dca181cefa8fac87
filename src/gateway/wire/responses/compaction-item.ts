// A `compaction` item of the Responses API as the gateway makes and reads it. The gateway's item carries its summary
// (base64url after a marker: the caller's own words, not a secret), so any route can be sent it as a message; an item
// OpenAI made is encrypted for OpenAI's models, so only a route serving the Responses API can take it.
import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../../../providers/types.ts';
import { WireRequestError } from '../../../providers/translate/wire-error.ts';
import type { Obj } from '../../../providers/translate/obj.ts';

/** What the model is asked, after the conversation, for a summary. */
export const COMPACT_PROMPT =
  'Summarise the conversation above so that it can be continued from the summary alone: the task and its goal, ' +
  'decisions made, facts and file names learnt, what was done and what is left to do, and any tool results still ' +
  'needed. Drop pleasantries and repetition. Write it in the language of the conversation. Reply with the summary only.';

/** Marks a compaction item the gateway made: what follows is its summary, base64url-encoded. */
const PREFIX = 'switchyard-compaction-v1.';

export function compactionItem(summary: string): Obj {
  return {
    type: 'compaction',
    id: `cmp_${randomUUID().replace(/-/g, '')}`,
    encrypted_content: PREFIX + Buffer.from(summary, 'utf8').toString('base64url'),
  };
}

/** The summary in a compaction item the gateway made, or undefined for any other item. */
export function gatewaySummary(item: Obj): string | undefined {
  const content = item['encrypted_content'];
  if (typeof content !== 'string' || !content.startsWith(PREFIX)) return undefined;
  return Buffer.from(content.slice(PREFIX.length), 'base64url').toString('utf8');
}

/** How a summary is put to the model: a user message saying what it is. */
export const summaryText = (summary: string): string => `[summary of the earlier conversation]\n${summary}`;

/** The message a compaction item stands for on a translated route, or undefined when the Responses API itself must
 * read it (the route serves it: the item goes in the body as sent). Refused, naming the route, when a route that
 * cannot read it would be sent the conversation without it. */
export function compactionMessage(
  item: Obj,
  path: string,
  options: { routeWithoutResponses?: () => string | undefined },
): ChatMessage | undefined {
  const summary = gatewaySummary(item);
  if (summary !== undefined) return { role: 'user', content: summaryText(summary) };
  // No way to tell (a caller without a chain): as if a route could not read it.
  const without = options.routeWithoutResponses ? options.routeWithoutResponses() : '';
  if (without === undefined) return undefined;
  throw new WireRequestError(
    `${path}.encrypted_content`,
    `this compaction item was made by OpenAI, whose encrypted summary only its Responses API can read, and route ${without || 'of this request'} is not one: compact through this gateway (POST /v1/responses/compact) or send the conversation uncompacted`,
    'unsupported_compaction',
  );
}
