// OpenAI chat-completions wire shape ⇄ canonical (src/providers/types.ts). Pure functions: the OpenAI adapter
// uses them to talk upstream, the gateway to accept OpenAI-shaped requests and answer in that shape.
import { splitStops } from '../stop-sequences.ts';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ContentPart,
  FinishReason,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../types.ts';
import type {
  OpenAIResponseFormat,
  OpenAIWireMessage,
  OpenAIWireRequest,
  OpenAIWireTool,
} from '../../gateway/wire/openai-schema.ts';
import { cacheControlOf, cacheField, checkImageUrl, hasImage, needsParts, textOfParts } from './parts.ts';
import { jsonSchemaFormat } from './response-format.ts';
import { shapedId, toolCallIdOf } from './ids.ts';
import { finishWithTools, malformed, textContent, toolCallArguments, toolCallName } from './answer-check.ts';
import { checkToolChoice } from '../../gateway/wire/tool-choice.ts';
import { usageFromOpenAI, usageToOpenAI } from './usage.ts';
import { openaiRequest } from '../../gateway/wire/openai-schema.ts';
import { fastOpenAIRequest } from '../../gateway/wire/openai-fast.ts';
import { parseWire, WireRequestError } from './wire-error.ts';
import { type Obj, isObj } from './obj.ts';

export interface ParsedOpenAIRequest {
  request: ChatRequest;
  stream: boolean;
  /** `stream_options.include_usage`: the caller wants a final usage chunk. */
  includeUsage: boolean;
}

type WireContent = OpenAIWireMessage['content'];

type WirePart = Exclude<WireContent, string | null | undefined>[number];

/** One wire content part → canonical: text, or an image (user messages only, as in OpenAI's API). */
function partFromWire(part: WirePart, path: string, role: string): ContentPart {
  // `cache_control` on a text part is OpenRouter's way to mark a prompt-cache breakpoint: kept for Anthropic routes.
  if (part.type === 'text') {
    const text = part as Extract<WirePart, { type: 'text' }>;
    return { type: 'text', text: text.text, ...cacheField(cacheControlOf(text['cache_control'])) };
  }
  if (part.type !== 'image_url')
    throw new WireRequestError(
      `${path}.type`,
      `content part "${part.type}" is not supported; text and image_url parts are`,
    );
  if (role !== 'user') throw new WireRequestError(`${path}.type`, 'image parts are allowed in user messages only');
  const image = (part as Extract<WirePart, { type: 'image_url' }>).image_url;
  checkImageUrl(image.url, `${path}.image_url.url`);
  return image.detail === undefined
    ? { type: 'image', url: image.url }
    : { type: 'image', url: image.url, detail: image.detail };
}

/** Text parts are joined into `content`; when there is an image or a cache mark among them the parts are also kept. */
function contentFromWire(content: WireContent, path: string, role: string): Pick<ChatMessage, 'content' | 'parts'> {
  if (content === undefined || content === null) return { content: null };
  if (typeof content === 'string') return { content };
  const parts = content.map((part, i) => partFromWire(part, `${path}[${i}]`, role));
  return needsParts(parts) ? { content: textOfParts(parts), parts } : { content: textOfParts(parts) };
}

function messageFromWire(m: OpenAIWireMessage, i: number): ChatMessage {
  const role = m.role === 'developer' ? 'system' : m.role;
  const out: ChatMessage = { role, ...contentFromWire(m.content, `messages[${i}].content`, role) };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_calls && m.tool_calls.length > 0) {
    out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
  }
  if (role === 'tool') {
    if (m.tool_call_id === undefined)
      throw new WireRequestError(`messages[${i}].tool_call_id`, 'required for a tool message');
    out.tool_call_id = m.tool_call_id;
  }
  return out;
}

function toolFromWire(t: OpenAIWireTool): ToolDefinition {
  const fn = t.function;
  const tool: ToolDefinition = { name: fn.name, parameters: fn.parameters ?? { type: 'object', properties: {} } };
  if (fn.description !== undefined) tool.description = fn.description;
  if (fn.strict != null) tool.strict = fn.strict;
  return tool;
}

function toolChoiceFromWire(c: OpenAIWireRequest['tool_choice']): ToolChoice | undefined {
  if (c === undefined) return undefined;
  return typeof c === 'string' ? c : { name: c.function.name };
}

function responseFormatFromWire(f: OpenAIResponseFormat): ResponseFormat {
  return f.type === 'json_schema' ? jsonSchemaFormat(f.json_schema) : { type: f.type };
}

/** The settings besides sampling and tools. `n` > 1 and `logprobs` are refused: the answer could not carry them,
 * and dropping them would hand the caller something other than what it asked for. */
function settingsFromWire(wire: OpenAIWireRequest, request: ChatRequest): void {
  if (wire.n != null && wire.n > 1)
    throw new WireRequestError('n', 'only one choice per request is supported; send the request n times instead');
  if (wire.logprobs === true)
    throw new WireRequestError('logprobs', 'log probabilities are not carried through the gateway; leave logprobs out');
  if (wire.user != null) request.user = wire.user;
  if (wire.parallel_tool_calls != null) request.parallel_tool_calls = wire.parallel_tool_calls;
  if (wire.response_format != null) request.response_format = responseFormatFromWire(wire.response_format);
  if (wire.seed != null) request.seed = wire.seed;
  if (wire.presence_penalty != null) request.presence_penalty = wire.presence_penalty;
  if (wire.frequency_penalty != null) request.frequency_penalty = wire.frequency_penalty;
  if (wire.reasoning_effort != null) request.reasoning_effort = wire.reasoning_effort;
  if (wire.logit_bias != null) request.logit_bias = wire.logit_bias;
  if (wire.prompt_cache_key != null) request.prompt_cache_key = wire.prompt_cache_key;
}

/** Validates an OpenAI-shaped request body and translates it; throws WireRequestError naming the bad field. */
export function parseOpenAIRequest(body: unknown): ParsedOpenAIRequest {
  // The common shape is checked by hand (same rules); zod decides, and words the error, for everything else.
  const wire = fastOpenAIRequest(body) ?? parseWire(openaiRequest, body);
  const request: ChatRequest = { model: wire.model, messages: wire.messages.map(messageFromWire) };
  if (wire.tools) request.tools = wire.tools.map(toolFromWire);
  const choice = toolChoiceFromWire(wire.tool_choice);
  if (choice !== undefined) request.tool_choice = choice;
  checkToolChoice(request);
  const maxTokens = wire.max_completion_tokens ?? wire.max_tokens;
  if (maxTokens != null) request.max_tokens = maxTokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.top_p = wire.top_p;
  if (wire.stop != null) request.stop = typeof wire.stop === 'string' ? [wire.stop] : wire.stop;
  settingsFromWire(wire, request);
  return { request, stream: wire.stream === true, includeUsage: wire.stream_options?.include_usage === true };
}

function contentToWire(m: ChatMessage): unknown {
  if (m.parts === undefined || m.role !== 'user') return m.content;
  return m.parts.flatMap(
    (p): Obj[] =>
      p.type === 'text'
        ? [{ type: 'text', text: p.text }]
        : p.type === 'image'
          ? [
              {
                type: 'image_url',
                image_url: p.detail === undefined ? { url: p.url } : { url: p.url, detail: p.detail },
              },
            ]
          : [], // Thinking is Anthropic's own (only assistant turns hold it).
  );
}

/** A failed tool's result for an API without an error flag: the text says so, once (Claude Code's own error texts
 * often begin with "Error" already). */
export function toolErrorText(text: string | null): string {
  if (text === null || text === '') return 'Error';
  return /^error\b/i.test(text) ? text : `Error: ${text}`;
}

function messageToWire(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    role: m.role,
    content: m.is_error === true ? toolErrorText(m.content) : contentToWire(m),
  };
  if (m.name !== undefined) out['name'] = m.name;
  if (m.tool_calls && m.tool_calls.length > 0) {
    out['tool_calls'] = m.tool_calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  if (m.tool_call_id !== undefined) out['tool_call_id'] = m.tool_call_id;
  return out;
}

/** Canonical messages → OpenAI's. Tool messages hold text only, so images a tool returned follow in a user message. */
function messagesToWire(messages: readonly ChatMessage[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let toolImages: ContentPart[] = [];
  const flush = (): void => {
    if (toolImages.length > 0)
      out.push(messageToWire({ role: 'user', content: textOfParts(toolImages), parts: toolImages }));
    toolImages = [];
  };
  for (const m of messages) {
    if (m.role !== 'tool') flush();
    out.push(messageToWire(m));
    if (m.role === 'tool' && m.parts !== undefined && hasImage(m.parts)) {
      toolImages.push(
        { type: 'text', text: `(images returned by tool call ${m.tool_call_id ?? ''})` },
        ...m.parts.filter((p) => p.type === 'image'),
      );
    }
  }
  flush();
  return out;
}

function toolChoiceToWire(c: ToolChoice): unknown {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

function toolToWire(t: ToolDefinition): Record<string, unknown> {
  const fn: Record<string, unknown> = { name: t.name };
  if (t.description !== undefined) fn['description'] = t.description;
  fn['parameters'] = t.parameters;
  if (t.strict !== undefined) fn['strict'] = t.strict;
  return { type: 'function', function: fn };
}

const hasTools = (req: ChatRequest): boolean => req.tools !== undefined && req.tools.length > 0;

/** The settings besides sampling and tools; `top_k` stays out (OpenAI refuses it). `parallel_tool_calls` is sent
 * only with tools, since OpenAI refuses it without. */
function settingsToWire(req: ChatRequest, body: Record<string, unknown>): void {
  if (req.user !== undefined) body['user'] = req.user;
  if (req.parallel_tool_calls !== undefined && hasTools(req)) body['parallel_tool_calls'] = req.parallel_tool_calls;
  if (req.response_format !== undefined) body['response_format'] = req.response_format;
  if (req.seed !== undefined) body['seed'] = req.seed;
  if (req.presence_penalty !== undefined) body['presence_penalty'] = req.presence_penalty;
  if (req.frequency_penalty !== undefined) body['frequency_penalty'] = req.frequency_penalty;
  if (req.reasoning_effort !== undefined) body['reasoning_effort'] = req.reasoning_effort;
  if (req.logit_bias !== undefined) body['logit_bias'] = req.logit_bias;
  if (req.prompt_cache_key !== undefined) body['prompt_cache_key'] = req.prompt_cache_key;
}

/** Canonical → the JSON body sent to an OpenAI-compatible upstream. */
export interface OpenAIRequestOptions {
  stream: boolean;
  /** `max_completion_tokens` for OpenAI's own API, whose reasoning models refuse `max_tokens`; compatible servers
   * (vLLM, DeepSeek, OpenRouter, …) are sent `max_tokens`, the name they all know. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

/** Which name the output limit goes by for an OpenAI-compatible base URL. */
export function maxTokensFieldFor(baseUrl: string): 'max_tokens' | 'max_completion_tokens' {
  return /^https:\/\/api\.openai\.com(\/|$)/.test(baseUrl) ? 'max_completion_tokens' : 'max_tokens';
}

export function toOpenAIRequest(req: ChatRequest, options: OpenAIRequestOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { model: req.model, messages: messagesToWire(req.messages) };
  if (req.tools && req.tools.length > 0) body['tools'] = req.tools.map(toolToWire);
  // Only with tools, like parallel_tool_calls: OpenAI refuses a tool_choice without them (an Anthropic caller may
  // send `{type: "auto"}` alone).
  if (req.tool_choice !== undefined && hasTools(req)) body['tool_choice'] = toolChoiceToWire(req.tool_choice);
  if (req.max_tokens !== undefined) body[options.maxTokensField ?? 'max_tokens'] = req.max_tokens;
  if (req.temperature !== undefined) body['temperature'] = req.temperature;
  if (req.top_p !== undefined) body['top_p'] = req.top_p;
  // At most four (OpenAI's limit); the adapter enforces the rest on the answer (stop-sequences.ts).
  const stop = splitStops(req.stop).sent;
  if (stop.length > 0) body['stop'] = stop;
  settingsToWire(req, body);
  if (options.stream) {
    body['stream'] = true;
    body['stream_options'] = { include_usage: true };
  }
  return body;
}

const FINISH_FROM_OPENAI: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/** Unknown or missing finish reasons (`eos`, null) read as a normal stop. */
export function finishFromOpenAI(reason: unknown): FinishReason {
  return (typeof reason === 'string' ? FINISH_FROM_OPENAI[reason] : undefined) ?? 'stop';
}

/** OpenAI has four finish reasons. A stop sequence is a `stop` there (as OpenAI reports its own), and so is a paused
 * turn: the text so far is the answer, and an OpenAI caller has no way to ask for the rest. */
const FINISH_TO_OPENAI: Readonly<Record<FinishReason, 'stop' | 'length' | 'tool_calls' | 'content_filter'>> = {
  stop: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
  pause_turn: 'stop',
};
export function finishToOpenAI(reason: FinishReason): 'stop' | 'length' | 'tool_calls' | 'content_filter' {
  return FINISH_TO_OPENAI[reason];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toolCallsFromOpenAI(list: unknown, path: string): ToolCall[] {
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw malformed(path, list, 'an array');
  return list.map((c: unknown, i) => {
    if (!isObj(c) || !isObj(c['function']))
      throw malformed(`${path}[${i}].function`, isObj(c) ? c['function'] : c, 'an object');
    const fn = c['function'];
    return {
      id: toolCallIdOf(c['id'], 'call_'),
      name: toolCallName(fn['name'], `${path}[${i}].function.name`),
      arguments: toolCallArguments(fn['arguments'], `${path}[${i}].function.arguments`),
    };
  });
}

/** An upstream OpenAI response body → canonical; undefined when it has no choice (the caller reports garbage).
 * Throws MalformedAnswer when a field it needs has a type it cannot read. */
export function fromOpenAIResponse(body: unknown): ChatResponse | undefined {
  if (!isObj(body) || !Array.isArray(body['choices'])) return undefined;
  const choice: unknown = body['choices'][0];
  if (!isObj(choice)) return undefined;
  const message = choice['message'];
  if (!isObj(message)) throw malformed('choices[0].message', message, 'an object');
  const content = textContent(message['content'], 'choices[0].message.content');
  const toolCalls = toolCallsFromOpenAI(message['tool_calls'], 'choices[0].message.tool_calls');
  const res: ChatResponse = {
    id: str(body['id']) ?? '',
    model: str(body['model']) ?? '',
    content,
    tool_calls: toolCalls,
    finish_reason: finishWithTools(finishFromOpenAI(choice['finish_reason']), toolCalls.length),
  };
  // A refusal is kept apart from the text so each caller shape can return it as its own kind of refusal.
  const refusal = str(message['refusal']);
  if (refusal) res.refusal = refusal;
  const usage = usageFromOpenAI(body['usage']);
  if (usage) res.usage = usage;
  return res;
}

/** Canonical response → the OpenAI `chat.completion` object the gateway answers with. */
export function toOpenAIResponse(res: ChatResponse, options: { created?: number } = {}): Obj {
  // `refusal` and `annotations` as OpenAI always sends them (the SDK types refusal as `string | null`, not optional).
  // Content is null beside tool calls or a refusal and no text, as OpenAI sends it.
  const noText = res.content === '' && (res.tool_calls.length > 0 || res.refusal !== undefined);
  const message: Obj = {
    role: 'assistant',
    content: noText ? null : res.content,
    refusal: res.refusal ?? null,
    annotations: [],
  };
  if (res.tool_calls.length > 0) {
    message['tool_calls'] = res.tool_calls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  const out: Obj = {
    id: shapedId('chatcmpl-', res.id),
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: res.model,
    choices: [{ index: 0, message, finish_reason: finishToOpenAI(res.finish_reason), logprobs: null }],
  };
  if (res.usage) out['usage'] = usageToOpenAI(res.usage);
  return out;
}
