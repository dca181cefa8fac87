// Reading a Responses API request (POST /v1/responses, or a WebSocket `response.create`) into the facts the
// simulator acts on, the same SimRequest a chat completion becomes, so one decision and one reply serve both. The
// conversation is the stored one `previous_response_id` names, then this request's input (docs/simulator.md#the-responses-api).
import { isObject, jsonObjectOf, type Json } from '../../json.ts';
import {
  emptySimRequest,
  NOT_AN_OBJECT,
  stringsOf,
  textOf,
  toolsOf,
  type RequestProblem,
  type SimMessage,
  type SimRequest,
  type ToolChoice,
  type ResponseFormat,
} from '../../request.ts';

export interface ResponsesCall {
  request: SimRequest;
  /** The conversation so far as items, this request's input last: what a later response continuing this one reads,
   * once this one's output is added. */
  items: Json[];
  /** `store` (default true): the response is kept for a later `previous_response_id`. */
  store: boolean;
  /** The request's settings a response object repeats (instructions, tools, tool_choice, …). */
  echo: Json;
  /** `include` asks for `reasoning.encrypted_content` (what a `store: false` client sends back). */
  encryptedReasoning: boolean;
}

/** Marks a compaction item the simulator made: its summary follows, base64url-encoded. */
export const SIM_COMPACTION = 'sim-compaction-v1.';

/** The items a stored response left (its conversation and its output), or undefined when none is known by that id. */
export type EarlierResponse = (id: string) => Json[] | undefined;

export function parseResponsesRequest(
  key: string | undefined,
  rawBody: string,
  earlier: EarlierResponse,
): ResponsesCall {
  const empty = emptySimRequest('openai', key);
  const refused = (problem: RequestProblem): ResponsesCall => ({
    request: { ...empty, problem },
    items: [],
    store: false,
    echo: {},
    encryptedReasoning: false,
  });
  const body = jsonObjectOf(rawBody);
  if (typeof body === 'string') return refused({ error: 'invalid_body', detail: NOT_AN_OBJECT[body] });
  const call = parseResponsesBody(key, body, earlier);
  call.request.raw = rawBody;
  return call;
}

export function parseResponsesBody(key: string | undefined, body: Json, earlier: EarlierResponse): ResponsesCall {
  const previousId = body['previous_response_id'];
  const before = typeof previousId === 'string' && previousId !== '' ? earlier(previousId) : [];
  const input = inputItems(body['input']);
  const items = [...(before ?? []), ...input];
  const instructions = typeof body['instructions'] === 'string' ? body['instructions'] : '';
  const { system, messages } = conversationOf(items);
  const tools = Array.isArray(body['tools'])
    ? body['tools'].filter((t): t is Json => isObject(t) && t['type'] === 'function')
    : [];
  const maxTokens = body['max_output_tokens'];
  const reasoning = body['reasoning'];
  const request: SimRequest = {
    ...emptySimRequest('openai', key),
    model: typeof body['model'] === 'string' ? body['model'] : undefined,
    stream: body['stream'] === true,
    // Every Responses answer reports its usage.
    includeUsage: true,
    maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : undefined,
    system: [instructions, ...system].filter((t) => t !== '').join('\n'),
    messages,
    ...toolsOf(tools, 'parameters'),
    toolChoice: toolChoiceOf(body['tool_choice']),
    responseFormat: formatOf(body['text']),
    stopSequences: stringsOf(body['stop']),
    // A reasoning model asked to reason: its reasoning is counted, not shown (an encrypted item, as OpenAI's).
    thinking:
      isObject(reasoning) && typeof reasoning['effort'] === 'string' && reasoning['effort'] !== 'none'
        ? 'shown'
        : 'off',
    images: countInputImages(items),
    fields: Object.keys(body)
      .filter((k) => k !== 'model' && k !== 'input')
      .sort(),
    roles: items.map((i) => (typeof i['role'] === 'string' ? i['role'] : String(i['type']))),
    // The whole conversation, so the prompt cache reads its prefix as sent over the turns.
    body: { ...body, input: items },
  };
  request.promptTexts = [instructions, ...items.map(itemText)].filter((t) => t !== '');
  request.promptTokens = Math.ceil(request.promptTexts.reduce((n, t) => n + t.length, 0) / 4);
  const problem = problemOf(body, before === undefined ? String(previousId) : undefined);
  if (problem !== undefined) request.problem = problem;
  const include = body['include'];
  return {
    request,
    items,
    store: body['store'] !== false,
    echo: echoOf(body, instructions),
    encryptedReasoning: Array.isArray(include) && include.includes('reasoning.encrypted_content'),
  };
}

function problemOf(body: Json, unknownPrevious: string | undefined): RequestProblem | undefined {
  if (typeof body['model'] !== 'string' || body['model'] === '')
    return {
      error: 'invalid_body',
      detail: "Missing required parameter: 'model'.",
      param: 'model',
      code: 'missing_required_parameter',
    };
  const input = body['input'];
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input))
    return {
      error: 'invalid_body',
      detail: "Invalid type for 'input': expected one of a string or an array of input items.",
      param: 'input',
      code: 'invalid_type',
    };
  if (unknownPrevious !== undefined)
    return {
      error: 'invalid_body',
      detail: `Previous response with id '${unknownPrevious}' not found.`,
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    };
  return undefined;
}

/** `input` as items: a string is one user message. */
function inputItems(input: unknown): Json[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input.filter(isObject) : [];
}

/** Items → the system prompt's pieces and the messages the reply is made from. */
function conversationOf(items: Json[]): { system: string[]; messages: SimMessage[] } {
  const system: string[] = [];
  const messages: SimMessage[] = [];
  for (const item of items) {
    const type = item['type'] ?? (typeof item['role'] === 'string' ? 'message' : undefined);
    if (type === 'message' && (item['role'] === 'system' || item['role'] === 'developer'))
      system.push(textOf(item['content']));
    else if (type === 'message')
      messages.push({ role: String(item['role']), text: textOf(item['content']), toolResult: false });
    else if (type === 'function_call_output' || type === 'custom_tool_call_output')
      messages.push({ role: 'tool', text: outputText(item['output']), toolResult: true });
    else if (type === 'function_call' || type === 'custom_tool_call')
      messages.push({ role: 'assistant', text: '', toolResult: false });
    else if (type === 'compaction') {
      const summary = compactionSummary(item);
      if (summary !== undefined) system.push(summary);
    }
  }
  return { system, messages };
}

const outputText = (output: unknown): string => (typeof output === 'string' ? output : textOf(output));

function itemText(item: Json): string {
  if (item['type'] === 'function_call_output' || item['type'] === 'custom_tool_call_output')
    return outputText(item['output']);
  if (item['type'] === 'function_call') return String(item['arguments'] ?? '');
  return textOf(item['content']);
}

/** The summary a compaction item of the simulator's holds; undefined for another's (OpenAI's is encrypted). */
export function compactionSummary(item: Json): string | undefined {
  const content = item['encrypted_content'];
  if (typeof content !== 'string' || !content.startsWith(SIM_COMPACTION)) return undefined;
  return Buffer.from(content.slice(SIM_COMPACTION.length), 'base64url').toString('utf8');
}

function countInputImages(items: Json[]): number {
  let n = 0;
  for (const item of items)
    if (Array.isArray(item['content']))
      n += item['content'].filter((p: unknown) => isObject(p) && p['type'] === 'input_image').length;
  return n;
}

function toolChoiceOf(choice: unknown): ToolChoice {
  if (choice === 'none') return 'none';
  if (choice === 'required') return 'any';
  return isObject(choice) && choice['type'] === 'function' && typeof choice['name'] === 'string'
    ? { name: choice['name'] }
    : 'auto';
}

/** `text.format`: `json_object`, or `json_schema` with its schema beside the type (not nested as in chat). */
function formatOf(text: unknown): ResponseFormat | undefined {
  const format = isObject(text) ? text['format'] : undefined;
  if (!isObject(format)) return undefined;
  if (format['type'] === 'json_object') return { kind: 'json_object' };
  return format['type'] === 'json_schema' ? { kind: 'json_schema', schema: format['schema'] } : undefined;
}

/** What a response object repeats of its request, with OpenAI's defaults for what was not sent. */
function echoOf(body: Json, instructions: string): Json {
  const pick = (k: string, fallback: unknown): unknown => body[k] ?? fallback;
  return {
    instructions: instructions === '' ? null : instructions,
    max_output_tokens: pick('max_output_tokens', null),
    parallel_tool_calls: pick('parallel_tool_calls', true),
    previous_response_id: pick('previous_response_id', null),
    reasoning: pick('reasoning', { effort: null, summary: null }),
    store: body['store'] !== false,
    temperature: pick('temperature', 1),
    text: pick('text', { format: { type: 'text' } }),
    tool_choice: pick('tool_choice', 'auto'),
    tools: pick('tools', []),
    top_p: pick('top_p', 1),
    truncation: pick('truncation', 'disabled'),
    metadata: pick('metadata', {}),
    user: pick('user', null),
  };
}
