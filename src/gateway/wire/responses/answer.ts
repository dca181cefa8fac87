// Canonical answer → the Responses API's object for the gateway's POST /v1/responses: its output items (message,
// function and custom tool calls inside their namespace), statuses, usage and the request's settings repeated. The
// items are built here for stream.ts too. The request it answers is request.ts.
import { randomUUID } from 'node:crypto';
import { newResponseId } from '../../../providers/translate/ids.ts';
import type { ChatResponse, FinishReason, Usage } from '../../../providers/types.ts';
import { usageToResponses } from '../../../providers/translate/usage.ts';
import { customInputOf } from './custom-tools.ts';
import { NamespaceNames } from './namespace.ts';
import { compactionItem } from './compaction-item.ts';
import { type Obj } from '../../../providers/translate/obj.ts';
import { NO_ECHO, type ResponseEcho } from './request.ts';

export const newItemId = (prefix: 'msg' | 'fc' | 'ctc'): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/** A finished answer's status: `length` and `content_filter` are `incomplete`, with the reason (the only two the
 * Responses API has); every other finish, a stop sequence or an Anthropic paused turn included, is `completed`. */
export function statusOf(finish: FinishReason): {
  status: 'completed' | 'incomplete';
  incomplete_details: { reason: string } | null;
} {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** An output item's status: `in_progress` while it streams, then `completed`, or `incomplete` when the answer was cut
 * in it. */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

/** The status of the item at `index` of a finished answer's `count`: the last item of an incomplete answer, the one
 * it was cut in, is `incomplete` too, as OpenAI marks it; the items before it were finished. */
export function finishedItemStatus(index: number, count: number, answer: 'completed' | 'incomplete'): ItemStatus {
  return answer === 'incomplete' && index === count - 1 ? 'incomplete' : 'completed';
}

/** A message item holding its content parts (empty while in progress). */
export function messageItem(id: string, parts: Obj[], status: ItemStatus): Obj {
  return { type: 'message', id, status, role: 'assistant', content: status === 'in_progress' ? [] : parts };
}

export const outputTextPart = (text: string): Obj => ({ type: 'output_text', text, annotations: [], logprobs: [] });

/** The model's refusal, as the Responses API gives it: a content part of its own in the message, not text. */
export const refusalPart = (refusal: string): Obj => ({ type: 'refusal', refusal });

/** A whole answer's message parts: its text (also when empty and nothing else is there), then any refusal. */
function messageParts(res: ChatResponse): Obj[] {
  const parts = res.content !== '' || res.refusal === undefined ? [outputTextPart(res.content)] : [];
  if (res.refusal !== undefined) parts.push(refusalPart(res.refusal));
  return parts;
}

/** A called name as the client knows it: a flattened one back inside its namespace. */
const callee = (name: string, namespaces: NamespaceNames | undefined): { name: string; namespace?: string } =>
  namespaces?.unflatten(name) ?? { name };

/** A tool call as a stream and a whole answer both give it: the call's id and name, what it was given, its status. */
interface CalledTool {
  id: string;
  name: string;
  arguments: string;
}

export function functionCallItem(id: string, call: CalledTool, status: ItemStatus, namespaces?: NamespaceNames): Obj {
  return callItem('function_call', id, call, status, namespaces, { arguments: call.arguments });
}

/** A call of a custom tool: its free-form input, unwrapped from the `{"input": …}` it travelled as. */
export function customCallItem(id: string, call: CalledTool, status: ItemStatus, namespaces?: NamespaceNames): Obj {
  const input = status === 'in_progress' ? '' : customInputOf(call.arguments);
  return callItem('custom_tool_call', id, call, status, namespaces, { input });
}

/** The fields every call item has, in the order OpenAI gives them, around what the tool was given (`given`). */
function callItem(
  type: string,
  id: string,
  call: CalledTool,
  status: ItemStatus,
  namespaces: NamespaceNames | undefined,
  given: Obj,
): Obj {
  return { type, id, call_id: call.id, ...callee(call.name, namespaces), ...given, status };
}

/** The response object around its output: what `responses.create` returns and `response.completed` carries. */
export function responseObject(fields: {
  id: string;
  created: number;
  model: string;
  output: Obj[];
  status: string;
  incomplete_details?: { reason: string } | null;
  usage?: Usage;
  echo?: ResponseEcho;
}): Obj {
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.created,
    status: fields.status,
    error: null,
    incomplete_details: fields.incomplete_details ?? null,
    model: fields.model,
    output: fields.output,
    ...(fields.echo ?? NO_ECHO),
    usage: fields.usage ? usageToResponses(fields.usage) : null,
  };
}

/** Canonical response → the Responses API object the gateway answers with. */
/** How the answer names its calls and repeats the request's settings. */
export interface ResponsesAnswerOptions {
  customTools?: ReadonlySet<string>;
  namespaces?: NamespaceNames;
  echo?: ResponseEcho;
}

export function toResponsesResponse(
  res: ChatResponse,
  options: ResponsesAnswerOptions & { created?: number } = {},
): Obj {
  // A Responses route's own answer goes back as it came, under the gateway's id (the upstream's is `res.id`).
  if (res.responses_object !== undefined) return { ...res.responses_object, id: newResponseId() };
  const answer = statusOf(res.finish_reason);
  const items: ((status: ItemStatus) => Obj)[] = [];
  // An Anthropic route's compaction block comes first, as the item holding its summary (compaction-item.ts); an
  // answer that is the block alone (stop reason `compaction`) has no message.
  const compaction = res.compaction;
  if (compaction !== undefined) items.push(() => compactionItem(compaction));
  if (res.content !== '' || res.refusal !== undefined || (res.tool_calls.length === 0 && compaction === undefined))
    items.push((status) => messageItem(newItemId('msg'), messageParts(res), status));
  for (const call of res.tool_calls) {
    items.push((status) =>
      options.customTools?.has(call.name)
        ? customCallItem(newItemId('ctc'), call, status, options.namespaces)
        : functionCallItem(newItemId('fc'), call, status, options.namespaces),
    );
  }
  const output = items.map((item, i) => item(finishedItemStatus(i, items.length, answer.status)));
  return responseObject({
    id: newResponseId(),
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: res.model,
    output,
    ...answer,
    ...(res.usage ? { usage: res.usage } : {}),
    ...(options.echo ? { echo: options.echo } : {}),
  });
}
