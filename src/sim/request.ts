// Reading an incoming chat request (either API) into the few facts the simulator acts on.
import type { IncomingMessage } from 'node:http';
import type { ApiName } from './scenario.ts';
import type { ErrorName } from './steps.ts';
import { isObject, jsonObjectOf, type Json, type NotAnObject } from './json.ts';
import { anthropicProblem } from './fronts/anthropic/checks.ts';
import { openAiProblem } from './fronts/openai/checks.ts';
import { thinkingOf } from './thinking.ts';
import {
  afterCompaction,
  compactEditOf,
  compactionProblem,
  requestBetas,
  type SimCompactEdit,
} from './fronts/anthropic/compaction.ts';

export interface SimMessage {
  role: string;
  text: string;
  /** An OpenAI `tool` message, or an Anthropic user turn made only of tool results. */
  toolResult: boolean;
}

export interface SimRequest {
  api: ApiName;
  key: string | undefined;
  model: string | undefined;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  maxTokens: number | undefined;
  system: string;
  messages: SimMessage[];
  /** Names of the tools offered. */
  tools: string[];
  /** Each offered tool's JSON schema of its arguments (OpenAI `function.parameters`, Anthropic `input_schema`), by
   * name; absent for a tool that declares none. */
  toolSchemas: Map<string, unknown>;
  /** `tool_choice`, in either API's spelling: `none` (OpenAI `none`, Anthropic `{type: none}`), `any` (OpenAI
   * `required`, Anthropic `{type: any}`), a named tool, or `auto` (also when absent). */
  toolChoice: ToolChoice;
  /** JSON asked for: any object (OpenAI `response_format: json_object`), or one matching a schema (OpenAI
   * `json_schema`, Anthropic structured outputs' `output_config.format` / beta `output_format`). */
  responseFormat: ResponseFormat | undefined;
  /** Stop sequences (OpenAI `stop`, a string or a list; Anthropic `stop_sequences`). */
  stopSequences: string[];
  /** Anthropic `thinking`: when on (`enabled` or `adaptive`) the answer opens with a thinking block, its text left
   * out when the request says `display: "omitted"`. */
  thinking: 'off' | 'shown' | 'omitted';
  /** Anthropic: the compact edit the request carries with its beta (fronts/anthropic/compaction.ts). */
  compaction?: SimCompactEdit;
  /** Rough prompt size: characters / 4 (or counted with o200k under the `token_count` answer option). */
  promptTokens: number;
  /** The system prompt's text and each message's, as a tokenizer counts a prompt (billing.ts). */
  promptTexts: string[];
  /** Images in the messages (OpenAI `image_url` parts, Anthropic `image` blocks, tool results' included). */
  images: number;
  /** The body's top-level field names besides model and messages, sorted: which settings reached the model. */
  fields: string[];
  /** The roles of `messages`, in order. */
  roles: string[];
  /** Prompt-cache marks (`cache_control`) anywhere in the system prompt, messages and tools. */
  cacheMarks: number;
  /** Why the body is unacceptable, if it is. */
  problem?: RequestProblem;
  /** The body as sent (an empty object when it was not a JSON object), for prompt-cache accounting. */
  body: Json;
  /** The body's text as it came (kept in the call's record with the `keepBodies` option). */
  raw?: string;
}

export type ToolChoice = 'auto' | 'none' | 'any' | { name: string };
export type ResponseFormat = { kind: 'json_object' } | { kind: 'json_schema'; schema: unknown };

/** A body the real API would refuse: which error, its message, and (OpenAI) the `param` and `code` it names. */
export interface RequestProblem {
  error: ErrorName;
  detail: string;
  param?: string | null;
  code?: string | null;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The key as each API sends it: OpenAI `Authorization: Bearer`, Anthropic `x-api-key` (or Bearer, as OAuth does). */
export function keyOf(req: IncomingMessage, api: ApiName): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
  const xApiKey = req.headers['x-api-key'];
  // Azure OpenAI reads its key from `api-key`.
  const apiKey = req.headers['api-key'];
  const key =
    api === 'anthropic'
      ? (typeof xApiKey === 'string' ? xApiKey.trim() : undefined) || bearer
      : bearer || (typeof apiKey === 'string' ? apiKey.trim() : undefined);
  return key ? key : undefined;
}

/** A request with nothing in it yet (another API's parser fills it in: fronts/gemini/request.ts), but the model and
 * whether it streams when its path says them (Gemini's, Bedrock's). */
export function emptySimRequest(
  api: ApiName,
  key: string | undefined,
  path?: { model: string; stream: boolean },
): SimRequest {
  return {
    api,
    key,
    model: path?.model,
    stream: path?.stream ?? false,
    includeUsage: false,
    maxTokens: undefined,
    system: '',
    messages: [],
    tools: [],
    toolSchemas: new Map(),
    toolChoice: 'auto',
    responseFormat: undefined,
    stopSequences: [],
    thinking: 'off',
    promptTokens: 0,
    promptTexts: [],
    images: 0,
    fields: [],
    roles: [],
    cacheMarks: 0,
    body: {},
  };
}

/** What OpenAI's and Anthropic's front doors (and the Responses API's) say of a body that is not a JSON object. */
export const NOT_AN_OBJECT: Record<NotAnObject, string> = {
  'not json': 'the request body is not valid JSON',
  'not an object': 'the request body must be a JSON object',
};

export function parseChatRequest(
  api: ApiName,
  key: string | undefined,
  rawBody: string,
  anthropicVersion: string | undefined,
  anthropicBeta?: string,
): SimRequest {
  const empty = emptySimRequest(api, key);
  const body = jsonObjectOf(rawBody);
  if (typeof body === 'string') return { ...empty, problem: { error: 'invalid_body', detail: NOT_AN_OBJECT[body] } };
  const betas = api === 'anthropic' ? requestBetas(anthropicBeta, body) : [];
  // What the model reads: an Anthropic conversation from its last compaction block on.
  const read = api === 'anthropic' && Array.isArray(body['messages']) ? withMessagesRead(body) : body;
  const parsed = api === 'openai' ? fromOpenAi(body) : fromAnthropic(read);
  const request: SimRequest = { ...empty, ...parsed, body, raw: rawBody };
  const edit = api === 'anthropic' ? compactEditOf(body, betas) : undefined;
  if (edit !== undefined) request.compaction = edit;
  request.promptTokens = Math.ceil(
    (request.system.length + request.messages.reduce((n, m) => n + m.text.length, 0)) / 4,
  );
  request.promptTexts = [
    ...(body['system'] !== undefined ? [textOf(body['system'])] : []),
    ...(Array.isArray(read['messages'])
      ? read['messages'].map((m: unknown) => (isObject(m) ? textOf(m['content']) : ''))
      : []),
  ];
  request.images = countImages(body['messages']);
  request.fields = Object.keys(body)
    .filter((k) => k !== 'model' && k !== 'messages')
    .sort();
  request.roles = Array.isArray(body['messages'])
    ? body['messages'].map((m: unknown) => (isObject(m) ? String(m['role']) : typeof m))
    : [];
  request.cacheMarks = countCacheMarks([body['system'], body['messages'], body['tools']]);
  request.problem = problemOf(api, body, anthropicVersion);
  if (api === 'anthropic' && request.problem === undefined) {
    const detail = compactionProblem(body, betas);
    if (detail !== undefined) request.problem = { error: 'invalid_body', detail };
  }
  return request;
}

function withMessagesRead(body: Json): Json {
  return { ...body, messages: afterCompaction((body['messages'] as unknown[]).filter(isObject)) };
}

function problemOf(api: ApiName, body: Json, anthropicVersion: string | undefined): RequestProblem | undefined {
  if (api === 'anthropic' && !anthropicVersion)
    return { error: 'missing_version', detail: 'anthropic-version: header is required' };
  if (typeof body['model'] !== 'string' || body['model'] === '')
    return { error: 'invalid_body', detail: 'model: field required' };
  if (!Array.isArray(body['messages']) || body['messages'].length === 0) {
    return { error: 'invalid_body', detail: 'messages: expected a non-empty array' };
  }
  if (api === 'anthropic' && typeof body['max_tokens'] !== 'number')
    return { error: 'missing_max_tokens', detail: 'max_tokens: Field required' };
  if (api === 'anthropic') {
    const detail = anthropicProblem(body);
    return detail === undefined ? undefined : { error: 'invalid_body', detail };
  }
  const problem = openAiProblem(body);
  return problem && { error: 'invalid_body', ...problem };
}

/** Text of a message content: a string, or the text of its parts (text parts and tool results). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => {
      if (!isObject(part)) return '';
      if (typeof part['text'] === 'string') return part['text'];
      if (part['type'] === 'tool_result') return textOf(part['content']);
      return '';
    })
    .filter((t) => t !== '')
    .join('\n');
}

/** Image parts and blocks anywhere in the messages, tool results' content included. */
function countImages(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + countImages(v), 0);
  if (!isObject(value)) return 0;
  if (value['type'] === 'image_url' || value['type'] === 'image') return 1;
  return countImages(value['content']);
}

export function countCacheMarks(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + countCacheMarks(v), 0);
  if (!isObject(value)) return 0;
  let n = isObject(value['cache_control']) ? 1 : 0;
  for (const [k, v] of Object.entries(value))
    if (k !== 'cache_control' && typeof v === 'object') n += countCacheMarks(v);
  return n;
}

const onlyToolResults = (content: unknown): boolean =>
  Array.isArray(content) &&
  content.length > 0 &&
  content.every((p: unknown) => isObject(p) && p['type'] === 'tool_result');

function common(body: Json): Pick<SimRequest, 'model' | 'stream' | 'maxTokens'> {
  const maxTokens = body['max_completion_tokens'] ?? body['max_tokens'];
  return {
    model: typeof body['model'] === 'string' ? body['model'] : undefined,
    stream: body['stream'] === true,
    maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : undefined,
  };
}

function fromOpenAi(body: Json): Partial<SimRequest> {
  const raw = Array.isArray(body['messages']) ? body['messages'].filter(isObject) : [];
  const system = raw
    .filter((m) => m['role'] === 'system' || m['role'] === 'developer')
    .map((m) => textOf(m['content']));
  const messages = raw
    .filter((m) => m['role'] !== 'system' && m['role'] !== 'developer')
    .map((m) => ({ role: String(m['role']), text: textOf(m['content']), toolResult: m['role'] === 'tool' }));
  const functions = Array.isArray(body['tools'])
    ? body['tools']
        .filter(isObject)
        .map((t) => t['function'])
        .filter(isObject)
    : [];
  const streamOptions = body['stream_options'];
  return {
    ...common(body),
    system: system.join('\n'),
    messages,
    ...toolsOf(functions, 'parameters'),
    toolChoice: openAiToolChoice(body['tool_choice']),
    includeUsage: isObject(streamOptions) && streamOptions['include_usage'] === true,
    responseFormat: responseFormatOf(body['response_format']),
    stopSequences: stringsOf(body['stop']),
  };
}

const JSON_ASKED = 'Answer with one JSON object';
const SCHEMA_GIVEN = 'The object must match this JSON Schema:\n';

/** JSON asked for in the system prompt, as the gateway asks a model with no JSON mode (Bedrock's Converse): the
 * simulated model follows the instruction, as a real one does. */
export function instructedFormat(system: string): ResponseFormat | undefined {
  if (!system.includes(JSON_ASKED)) return undefined;
  const at = system.indexOf(SCHEMA_GIVEN);
  if (at < 0) return { kind: 'json_object' };
  const line = system.slice(at + SCHEMA_GIVEN.length).split('\n')[0] ?? '';
  try {
    return { kind: 'json_schema', schema: JSON.parse(line) as unknown };
  } catch {
    return { kind: 'json_object' };
  }
}

function responseFormatOf(format: unknown): ResponseFormat | undefined {
  if (!isObject(format)) return undefined;
  if (format['type'] === 'json_object') return { kind: 'json_object' };
  if (format['type'] !== 'json_schema') return undefined;
  const spec = format['json_schema'];
  return { kind: 'json_schema', schema: isObject(spec) ? spec['schema'] : undefined };
}

/** Mid-conversation system messages join the system prompt, as OpenAI's system messages do: the conversation the
 * answer is made from is the user's and the assistant's. */
function fromAnthropic(body: Json): Partial<SimRequest> {
  const raw = Array.isArray(body['messages']) ? body['messages'].filter(isObject) : [];
  const messages = raw
    .filter((m) => m['role'] !== 'system')
    .map((m) => ({ role: String(m['role']), text: textOf(m['content']), toolResult: onlyToolResults(m['content']) }));
  const system = [
    textOf(body['system']),
    ...raw.filter((m) => m['role'] === 'system').map((m) => textOf(m['content'])),
  ].filter((t) => t !== '');
  const tools = Array.isArray(body['tools']) ? body['tools'].filter(isObject) : [];
  const outputConfig = body['output_config'];
  const format = isObject(outputConfig) ? outputConfig['format'] : body['output_format'];
  return {
    ...common(body),
    system: system.join('\n'),
    messages,
    ...toolsOf(tools, 'input_schema'),
    toolChoice: anthropicToolChoice(body['tool_choice']),
    stopSequences: stringsOf(body['stop_sequences']),
    thinking: thinkingOf(body),
    responseFormat:
      isObject(format) && format['type'] === 'json_schema'
        ? { kind: 'json_schema', schema: format['schema'] }
        : undefined,
  };
}

/** The offered tools' names, and their argument schemas by name. */
export function toolsOf(
  tools: Json[],
  schemaField: 'parameters' | 'input_schema',
): Pick<SimRequest, 'tools' | 'toolSchemas'> {
  const named = tools.filter((t) => typeof t['name'] === 'string' && t['name'] !== '');
  const toolSchemas = new Map<string, unknown>();
  for (const t of named) if (isObject(t[schemaField])) toolSchemas.set(t['name'] as string, t[schemaField]);
  return { tools: named.map((t) => t['name'] as string), toolSchemas };
}

export const stringsOf = (value: unknown): string[] =>
  (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );

function openAiToolChoice(choice: unknown): ToolChoice {
  if (choice === 'none') return 'none';
  if (choice === 'required') return 'any';
  return isObject(choice) && isObject(choice['function']) ? { name: String(choice['function']['name']) } : 'auto';
}

function anthropicToolChoice(choice: unknown): ToolChoice {
  if (!isObject(choice)) return 'auto';
  if (choice['type'] === 'none') return 'none';
  if (choice['type'] === 'any') return 'any';
  return choice['type'] === 'tool' && typeof choice['name'] === 'string' ? { name: choice['name'] } : 'auto';
}
