// The OpenAI chat-completions request as a caller sends it to the gateway → canonical (src/providers/types.ts).
// Validated by schema.ts (or its fast path, fast.ts); a bad field is a WireRequestError naming it.
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../../../providers/types.ts';
import type { OpenAIResponseFormat, OpenAIWireMessage, OpenAIWireRequest, OpenAIWireTool } from './schema.ts';
import {
  cacheControlOf,
  cacheField,
  checkImageUrl,
  needsParts,
  textOfParts,
} from '../../../providers/translate/parts.ts';
import { jsonSchemaFormat } from '../../../providers/translate/response-format.ts';
import { checkToolChoice } from '../tool-choice.ts';
import { openaiRequest } from './schema.ts';
import { fastOpenAIRequest } from './fast.ts';
import { parseWire, WireRequestError } from '../../../providers/translate/wire-error.ts';
import { madeOncePerShared } from '../../../shared-value.ts';

export interface ParsedOpenAIRequest {
  request: ChatRequest;
  stream: boolean;
  /** `stream_options.include_usage`: the caller wants a final usage chunk. */
  includeUsage: boolean;
  /** `stream_options.include_obfuscation: false`: the caller wants no padding in its chunks. */
  noObfuscation?: true;
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

/** A message → canonical, made once for a shared one (a turn an earlier request of the conversation sent too). */
const messageOf = madeOncePerShared(messageFromWire);

/** A tool → canonical, made once for a shared one. */
const toolOf = madeOncePerShared(toolFromWire);

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
  const request: ChatRequest = { model: wire.model, messages: wire.messages.map((m, i) => messageOf(m, i)) };
  if (wire.tools) request.tools = wire.tools.map((t) => toolOf(t));
  const choice = toolChoiceFromWire(wire.tool_choice);
  if (choice !== undefined) request.tool_choice = choice;
  checkToolChoice(request);
  const maxTokens = wire.max_completion_tokens ?? wire.max_tokens;
  if (maxTokens != null) request.max_tokens = maxTokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.top_p = wire.top_p;
  if (wire.stop != null) request.stop = typeof wire.stop === 'string' ? [wire.stop] : wire.stop;
  settingsFromWire(wire, request);
  const parsed: ParsedOpenAIRequest = {
    request,
    stream: wire.stream === true,
    includeUsage: wire.stream_options?.include_usage === true,
  };
  if (wire.stream_options?.['include_obfuscation'] === false) parsed.noObfuscation = true;
  return parsed;
}
