// POST /v1/responses/compact (what Codex and the Agents SDK call when a conversation outgrows its window) and the
// `compaction` items it hands back. OpenAI's item is encrypted for its own models only; the gateway's serves every
// route: the model named is asked for a summary (as the `compression` task), and the item carries that summary, which
// any later request's translation turns back into a message. An item OpenAI made is read only by a route that serves
// the Responses API, and refused by name on the others (docs/responses.md#compaction).
import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResponse } from '../../../providers/types.ts';
import { usageToResponses } from '../../../providers/translate/usage.ts';
import { WireRequestError } from '../../../providers/translate/wire-error.ts';
import { isObj, type Obj } from '../../../providers/translate/obj.ts';
import { parseResponsesRequest, type ResponsesParseOptions } from './request.ts';
import { COMPACT_PROMPT, compactionItem } from './compaction-item.ts';

/** The task a compaction is served as: its chain is the one `auxiliary.compression` gives (the main chain unless set). */
export const COMPACTION_TASK = 'compression';

export interface ParsedCompactRequest {
  request: ChatRequest;
  /** The caller's user messages, kept verbatim before the compaction item, as OpenAI's compact answers them. */
  userItems: Obj[];
}

/** The compact body (model, input, instructions) → a non-streaming request for the summary. */
export function parseCompactRequest(body: unknown, options: ResponsesParseOptions = {}): ParsedCompactRequest {
  if (!isObj(body)) throw new WireRequestError('', 'expected a JSON object');
  const { model, input, instructions, previous_response_id } = body;
  const parsed = parseResponsesRequest(
    { model, input, instructions, ...(previous_response_id !== undefined ? { previous_response_id } : {}) },
    options,
  );
  const request = parsed.request;
  request.messages.push({ role: 'user', content: COMPACT_PROMPT });
  // Not what a Responses route is sent: it gets the summary request, like every route.
  delete request.responses_body;
  return { request, userItems: userItemsOf(input) };
}

function userItemsOf(input: unknown): Obj[] {
  if (typeof input === 'string')
    return [{ type: 'message', id: newId('msg'), role: 'user', content: [{ type: 'input_text', text: input }] }];
  if (!Array.isArray(input)) return [];
  return input.filter(
    (i): i is Obj => isObj(i) && i['role'] === 'user' && (i['type'] === undefined || i['type'] === 'message'),
  );
}

export const newId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/** OpenAI's compacted response: the user messages, then one compaction item holding the summary. */
export function toCompactResponse(res: ChatResponse, userItems: readonly Obj[]): Obj {
  return {
    id: newId('resp'),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: [...userItems, compactionItem(res.content)],
    usage: res.usage === undefined ? null : usageToResponses(res.usage),
  };
}
