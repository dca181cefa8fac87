// OpenAI Responses API wire shape ⇄ canonical, for the gateway's POST /v1/responses. Stateless: `input` carries the
// whole conversation (messages, function calls and their outputs); `previous_response_id` and items that point at
// stored state are refused with a located error rather than answered without the context they name.
import { randomUUID } from 'node:crypto';
import { shapedId } from './ids.ts';
import type { ChatMessage, ChatRequest, ChatResponse, ContentPart, FinishReason, ResponseFormat, ToolCall, ToolChoice, ToolDefinition, Usage } from '../types.ts';
import { checkImageUrl, needsParts, textOfParts } from './parts.ts';
import { jsonSchemaFormat } from './response-format.ts';
import { checkToolChoice } from './tool-choice.ts';
import { usageToResponses } from './usage.ts';
import { customCallArguments, customInputOf, customToolDefinition } from './responses-custom-tools.ts';
import { responsesRequest, type ResponsesWireItem, type ResponsesWireRequest } from './responses-schema.ts';
import { parseWire, WireRequestError } from './wire-error.ts';
import { type Obj } from './obj.ts';


export interface ParsedResponsesRequest {
  request: ChatRequest;
  stream: boolean;
  /** Names of the tools declared `type: "custom"`: their calls are answered as `custom_tool_call` items. */
  customTools: ReadonlySet<string>;
  /** The request's settings the response object repeats (settingsEcho). */
  echo: ResponseEcho;
}

/** The settings OpenAI's Response object repeats from its request, as the caller sent them (validated). */
export interface ResponseEcho {
  instructions: string | null;
  tools: Obj[];
  tool_choice: string | Obj;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
}

/** What the response says of a request that set none of them: OpenAI's defaults where they are the gateway's too
 * (`auto`, parallel calls, no tools); sampling left unset is null, since the route's model picks its own. */
export const NO_ECHO: ResponseEcho = { instructions: null, tools: [], tool_choice: 'auto', parallel_tool_calls: true, temperature: null, top_p: null, max_output_tokens: null, metadata: {} };

function settingsEcho(wire: ResponsesWireRequest): ResponseEcho {
  return {
    instructions: wire.instructions ?? null,
    tools: (wire.tools ?? []) as Obj[],
    tool_choice: (wire.tool_choice ?? 'auto') as string | Obj,
    parallel_tool_calls: wire.parallel_tool_calls ?? true,
    temperature: wire.temperature ?? null,
    top_p: wire.top_p ?? null,
    max_output_tokens: wire.max_output_tokens ?? null,
    metadata: wire.metadata ?? {},
  };
}

/** One content part of an input message → canonical (text or image). */
function partFromWire(p: Obj, path: string, role: string): ContentPart {
  if ((p['type'] === 'input_text' || p['type'] === 'output_text' || p['type'] === 'text') && typeof p['text'] === 'string') return { type: 'text', text: p['text'] };
  if (p['type'] === 'input_image') {
    if (role !== 'user' && role !== 'tool') throw new WireRequestError(`${path}.type`, 'images are allowed in user messages and tool outputs only');
    const url = p['image_url'];
    if (typeof url !== 'string') throw new WireRequestError(`${path}.image_url`, 'required (a file_id needs stored files, which the gateway does not keep)');
    checkImageUrl(url, `${path}.image_url`);
    const detail = p['detail'];
    return detail === 'low' || detail === 'high' || detail === 'auto' ? { type: 'image', url, detail } : { type: 'image', url };
  }
  throw new WireRequestError(`${path}.type`, `content part "${String(p['type'])}" is not supported; input_text, output_text and input_image are`);
}

type MessageItem = Extract<ResponsesWireItem, { role: string }>;

function messageFromWire(item: MessageItem, path: string): ChatMessage {
  const role = item.role === 'developer' ? 'system' : item.role;
  if (typeof item.content === 'string') return { role, content: item.content };
  const parts = item.content.map((p, k) => partFromWire(p, `${path}.content[${k}]`, role));
  return needsParts(parts) ? { role, content: textOfParts(parts), parts } : { role, content: textOfParts(parts) };
}

/** A tool's output: text, or parts (text and images, as Anthropic tool results hold them); anything else (a file) is
 * refused by name like in a message, rather than left out unseen. */
function toolResultFromWire(callId: string, output: string | Obj[], path: string): ChatMessage {
  if (typeof output === 'string') return { role: 'tool', tool_call_id: callId, content: output };
  const parts = output.map((p, k) => partFromWire(p, `${path}.output[${k}]`, 'tool'));
  const message: ChatMessage = { role: 'tool', tool_call_id: callId, content: textOfParts(parts) };
  if (needsParts(parts)) message.parts = parts;
  return message;
}

/** A call joins the assistant turn just before it, or opens one. */
function addToolCall(out: ChatMessage[], call: ToolCall): void {
  const last = out.at(-1);
  const turn = last?.role === 'assistant' ? last : out[out.push({ role: 'assistant', content: null }) - 1]!;
  (turn.tool_calls ??= []).push(call);
}

type Item<T extends string> = Extract<ResponsesWireItem, { type: T }>;

/** The items in order → canonical messages; consecutive function calls join the assistant turn before them. */
function messagesFromItems(items: readonly ResponsesWireItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  items.forEach((item, i) => {
    const path = `input[${i}]`;
    if (item.type === 'function_call') {
      const call = item as Item<'function_call'>;
      addToolCall(out, { id: call.call_id, name: call.name, arguments: call.arguments });
    } else if (item.type === 'custom_tool_call') {
      const call = item as Item<'custom_tool_call'>;
      addToolCall(out, { id: call.call_id, name: call.name, arguments: customCallArguments(call.input) });
    } else if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') {
      const result = item as Item<'function_call_output' | 'custom_tool_call_output'>;
      out.push(toolResultFromWire(result.call_id, result.output, path));
    } else if (item.type === 'reasoning') {
      // A reasoning item from an earlier answer: other providers could not use it. Dropped, like Anthropic thinking.
    } else if (item.type === undefined || item.type === 'message') {
      // A message may come without its `type`.
      out.push(messageFromWire(item as MessageItem, path));
    } else {
      throw new WireRequestError(`${path}.type`, `item "${String(item.type)}" is not supported; message, function_call, custom_tool_call and their outputs are (send the whole conversation: the gateway keeps no state)`);
    }
  });
  return out;
}

function toolsFromWire(tools: ResponsesWireRequest['tools'], custom: Set<string>): ChatRequest['tools'] {
  return tools?.map((t, i) => {
    if (t.type !== 'function' && t.type !== 'custom') {
      throw new WireRequestError(`tools[${i}].type`, `"${t.type}" tools run on OpenAI's side and cannot be routed; function and custom tools are supported`);
    }
    if (t.name === undefined) throw new WireRequestError(`tools[${i}].name`, 'required');
    if (t.type === 'custom') {
      custom.add(t.name);
      return customToolDefinition({ ...t, name: t.name });
    }
    const tool: ToolDefinition = { name: t.name, parameters: t.parameters ?? { type: 'object', properties: {} } };
    if (t.description != null) tool.description = t.description;
    // Left out, OpenAI's Responses API is strict when the schema allows it; chat completions have no such middle
    // ground (strict: true refuses an incompatible schema), so only the caller's explicit choice is carried.
    if (t.strict != null) tool.strict = t.strict;
    return tool;
  });
}

function formatFromWire(format: NonNullable<NonNullable<ResponsesWireRequest['text']>['format']>): ResponseFormat {
  return format.type === 'json_schema' ? jsonSchemaFormat(format as Extract<typeof format, { type: 'json_schema' }>) : { type: format.type };
}

/** Validates a Responses API request body and translates it; throws WireRequestError naming the bad field. */
export function parseResponsesRequest(body: unknown): ParsedResponsesRequest {
  const wire = parseWire(responsesRequest, body);
  if (wire.previous_response_id != null) {
    throw new WireRequestError('previous_response_id', 'the gateway keeps no responses: send the whole conversation in input (and store: false)');
  }
  const messages: ChatMessage[] = [];
  if (wire.instructions) messages.push({ role: 'system', content: wire.instructions });
  if (typeof wire.input === 'string') messages.push({ role: 'user', content: wire.input });
  else messages.push(...messagesFromItems(wire.input));
  const request: ChatRequest = { model: wire.model, messages };
  const customTools = new Set<string>();
  const tools = toolsFromWire(wire.tools, customTools);
  if (tools !== undefined) request.tools = tools;
  if (wire.tool_choice !== undefined) request.tool_choice = (typeof wire.tool_choice === 'string' ? wire.tool_choice : { name: wire.tool_choice.name }) satisfies ToolChoice;
  checkToolChoice(request);
  if (wire.max_output_tokens != null) request.max_tokens = wire.max_output_tokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.top_p = wire.top_p;
  if (wire.parallel_tool_calls != null) request.parallel_tool_calls = wire.parallel_tool_calls;
  if (wire.text?.format !== undefined) request.response_format = formatFromWire(wire.text.format);
  if (wire.reasoning?.effort != null) request.reasoning_effort = wire.reasoning.effort;
  if (wire.user != null) request.user = wire.user;
  if (wire.prompt_cache_key != null) request.prompt_cache_key = wire.prompt_cache_key;
  return { request, stream: wire.stream === true, customTools, echo: settingsEcho(wire) };
}


export const newItemId = (prefix: 'msg' | 'fc' | 'ctc'): string => `${prefix}_${randomUUID().replace(/-/g, '')}`;

/** A finished answer's status: `length` and `content_filter` are `incomplete`, with the reason (the only two the
 * Responses API has); every other finish, a stop sequence or an Anthropic paused turn included, is `completed`. */
export function statusOf(finish: FinishReason): { status: 'completed' | 'incomplete'; incomplete_details: { reason: string } | null } {
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

export function functionCallItem(id: string, call: { id: string; name: string; arguments: string }, status: ItemStatus): Obj {
  return { type: 'function_call', id, call_id: call.id, name: call.name, arguments: call.arguments, status };
}

/** A call of a custom tool: its free-form input, unwrapped from the `{"input": …}` it travelled as. */
export function customCallItem(id: string, call: { id: string; name: string; arguments: string }, status: ItemStatus): Obj {
  return { type: 'custom_tool_call', id, call_id: call.id, name: call.name, input: status === 'in_progress' ? '' : customInputOf(call.arguments), status };
}

/** The response object around its output: what `responses.create` returns and `response.completed` carries. */
export function responseObject(fields: { id: string; created: number; model: string; output: Obj[]; status: string; incomplete_details?: { reason: string } | null; usage?: Usage; echo?: ResponseEcho }): Obj {
  return {
    id: fields.id, object: 'response', created_at: fields.created, status: fields.status, error: null,
    incomplete_details: fields.incomplete_details ?? null, model: fields.model, output: fields.output,
    ...(fields.echo ?? NO_ECHO), store: false,
    usage: fields.usage ? usageToResponses(fields.usage) : null,
  };
}

/** Canonical response → the Responses API object the gateway answers with. */
export function toResponsesResponse(res: ChatResponse, options: { created?: number; customTools?: ReadonlySet<string>; echo?: ResponseEcho } = {}): Obj {
  const answer = statusOf(res.finish_reason);
  const items: ((status: ItemStatus) => Obj)[] = [];
  if (res.content !== '' || res.refusal !== undefined || res.tool_calls.length === 0) items.push((status) => messageItem(newItemId('msg'), messageParts(res), status));
  for (const call of res.tool_calls) {
    items.push((status) => (options.customTools?.has(call.name) ? customCallItem(newItemId('ctc'), call, status) : functionCallItem(newItemId('fc'), call, status)));
  }
  const output = items.map((item, i) => item(finishedItemStatus(i, items.length, answer.status)));
  return responseObject({
    id: shapedId('resp_', res.id), created: options.created ?? Math.floor(Date.now() / 1000), model: res.model, output,
    ...answer, ...(res.usage ? { usage: res.usage } : {}), ...(options.echo ? { echo: options.echo } : {}),
  });
}
