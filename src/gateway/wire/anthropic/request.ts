// The Anthropic Messages request as a caller (Claude Code, the Anthropic SDK) sends it to the gateway → canonical:
// system messages, tool_use/tool_result blocks and cache marks (docs/shapes.md#what-is-carried-across-shapes).
import type {
  AnthropicFields,
  ChatMessage,
  ChatRequest,
  ContentPart,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '../../../providers/types.ts';
import {
  cacheControlOf,
  cacheField,
  fromAnthropicImage,
  isThinking,
  needsParts,
  textOfParts,
  thinkingPartOf,
} from '../../../providers/translate/parts.ts';
import { checkToolChoice } from '../tool-choice.ts';
import { compactionFields } from '../../../providers/translate/compaction.ts';
import type { AnthropicCustomTool, AnthropicWireBlock, AnthropicWireMessage, AnthropicWireRequest } from './schema.ts';
import { anthropicRequest } from './schema.ts';
import { fastAnthropicRequest } from './fast.ts';
import { parseWire, WireRequestError } from '../../../providers/translate/wire-error.ts';
import { isShared, madeOncePerShared, share } from '../../../shared-value.ts';

export interface ParsedAnthropicRequest {
  request: ChatRequest;
  stream: boolean;
  /** `betas` of the body, as sent: the gateway joins them with the `anthropic-beta` header's before it filters. */
  betas?: string[];
}

/** A tool result's content → canonical `tool` message content: text, and its parts when they hold images or cache
 * marks. */
function toolResultFromWire(block: ToolResultBlock, path: string): Pick<ChatMessage, 'content' | 'parts'> {
  const c = block.content;
  if (c === undefined) return { content: '' };
  if (typeof c === 'string') return { content: c };
  const parts = c.map((p, k): ContentPart =>
    p.type === 'image' ? fromAnthropicImage(p, `${path}.content[${k}]`) : textPart(p),
  );
  return needsParts(parts) ? { content: textOfParts(parts), parts } : { content: textOfParts(parts) };
}

type ToolResultBlock = Extract<AnthropicWireBlock, { type: 'tool_result' }>;

type ToolUseBlock = Extract<AnthropicWireBlock, { type: 'tool_use' }>;

const textPart = (b: { text: string; cache_control?: unknown }): ContentPart => ({
  type: 'text',
  text: b.text,
  ...cacheField(cacheControlOf(b.cache_control)),
});

/** A turn's canonical messages, made once for a shared turn (one an earlier request of the conversation sent too):
 * the translation is made once per conversation, not once per request. */
const messagesOfTurn = madeOncePerShared(messagesFromWire);

/** One Anthropic turn → canonical messages: a user turn may hold tool results (one `tool` message each), text and
 * images. */
function messagesFromWire(m: AnthropicWireMessage, i: number): ChatMessage[] {
  if (m.role === 'system') return systemMessageFromWire(m, i);
  if (typeof m.content === 'string') return [{ role: m.role, content: m.content }];
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const results: ChatMessage[] = [];
  m.content.forEach((block, j) => {
    const path = `messages[${i}].content[${j}]`;
    if (block.type === 'text') parts.push(textPart(block as Extract<AnthropicWireBlock, { type: 'text' }>));
    else if (block.type === 'image' && m.role === 'user') parts.push(fromAnthropicImage(block, path));
    else if (block.type === 'tool_use' && m.role === 'assistant') {
      const b = block as ToolUseBlock;
      calls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
    } else if (block.type === 'tool_result' && m.role === 'user') {
      const b = block as ToolResultBlock;
      const result: ChatMessage = {
        role: 'tool',
        tool_call_id: b.tool_use_id,
        ...toolResultFromWire(b, path),
        ...cacheField(cacheControlOf(b['cache_control'])),
      };
      if (b.is_error === true) result.is_error = true;
      results.push(result);
    } else if (block.type === 'compaction' && m.role === 'assistant') {
      // Server-side compaction's summary: as it came to Anthropic routes, as text in its place elsewhere.
      const content = (block as { content?: unknown }).content;
      const fields = compactionFields(block as Record<string, unknown>);
      const part: ContentPart = { type: 'compaction', content: typeof content === 'string' ? content : '' };
      parts.push(fields === undefined ? part : { ...part, fields });
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      // Kept as sent, signature and all, for Anthropic routes; a user turn has none to keep.
      const part = m.role === 'assistant' ? thinkingPartOf(block) : undefined;
      if (part !== undefined) parts.push(part);
    } else {
      throw new WireRequestError(`${path}.type`, `block "${block.type}" is not supported in a ${m.role} message`);
    }
  });
  const out: ChatMessage[] = [...results];
  const text = textOfParts(parts);
  if (m.role === 'assistant') {
    const said = parts.some((p) => !isThinking(p));
    const msg: ChatMessage = { role: 'assistant', content: said ? text : calls.length > 0 ? null : '' };
    if (needsParts(parts)) msg.parts = parts;
    if (calls.length > 0) msg.tool_calls = calls;
    out.push(msg);
  } else if (parts.length > 0 || results.length === 0) {
    out.push(needsParts(parts) ? { role: 'user', content: text, parts } : { role: 'user', content: text });
  }
  return out;
}

/** A mid-conversation system message → a canonical system message in its place (text blocks only, as Anthropic
 * takes); a blank one carries nothing and is left out. */
function systemMessageFromWire(m: AnthropicWireMessage, i: number): ChatMessage[] {
  if (typeof m.content === 'string') return m.content.trim() === '' ? [] : [{ role: 'system', content: m.content }];
  const parts = m.content.map((block, j): ContentPart => {
    if (block.type !== 'text')
      throw new WireRequestError(
        `messages[${i}].content[${j}].type`,
        `block "${block.type}" is not supported in a system message; text blocks are`,
      );
    return textPart(block as Extract<AnthropicWireBlock, { type: 'text' }>);
  });
  const text = textOfParts(parts);
  if (text.trim() === '') return [];
  return [needsParts(parts) ? { role: 'system', content: text, parts } : { role: 'system', content: text }];
}

/** A system message with `clear_at: "next_user_message"` is shown to the model only until a later user message
 * exists: after one, Anthropic keeps it in the array but the model no longer reads it, so neither does any route. */
function clearedSystem(messages: readonly AnthropicWireMessage[], i: number): boolean {
  const m = messages[i];
  return (
    m?.role === 'system' &&
    m.clear_at === 'next_user_message' &&
    messages.slice(i + 1).some((later) => later.role === 'user')
  );
}

function toolChoiceFromWire(c: AnthropicWireRequest['tool_choice']): ToolChoice | undefined {
  if (c === undefined) return undefined;
  if (c.type === 'tool') {
    if (!c.name) throw new WireRequestError('tool_choice.name', 'required when tool_choice.type is "tool"');
    return { name: c.name };
  }
  return c.type === 'any' ? 'required' : c.type;
}

/** The system message of blocks the caller sent before (each shared), as made then: kept by the last block, with the
 * blocks it was made of. */
const SYSTEM_OF_SHARED = new WeakMap<object, { blocks: readonly object[]; message: ChatMessage | undefined }>();

function systemOf(system: AnthropicWireRequest['system']): ChatMessage | undefined {
  if (!Array.isArray(system) || system.length === 0 || !system.every(isShared)) return systemFromWire(system);
  const last = system[system.length - 1]!;
  const kept = SYSTEM_OF_SHARED.get(last);
  if (kept !== undefined && sameBlocks(kept.blocks, system)) return kept.message;
  const message = share(systemFromWire(system));
  SYSTEM_OF_SHARED.set(last, { blocks: [...system], message });
  return message;
}

function sameBlocks(a: readonly object[], b: readonly object[]): boolean {
  return a.length === b.length && a.every((block, i) => block === b[i]);
}

/** `system` → one system message; its blocks are kept as parts when they carry cache marks. */
function systemFromWire(system: AnthropicWireRequest['system']): ChatMessage | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  const parts: ContentPart[] = system.map((b) => ({
    type: 'text',
    text: b.text,
    ...cacheField(cacheControlOf(b['cache_control'])),
  }));
  const text = system.map((b) => b.text).join('\n');
  if (text === '') return undefined;
  return needsParts(parts) ? { role: 'system', content: text, parts } : { role: 'system', content: text };
}

/** A custom tool → canonical, made once for a shared one (the caller sent it before). */
const toolOf = madeOncePerShared(toolFromWire);

function toolFromWire(t: AnthropicCustomTool): ToolDefinition {
  return {
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    parameters: t.input_schema,
    ...cacheField(cacheControlOf(t['cache_control'])),
  };
}

/** The caller's own tools. Server tools (web search, code execution, …) run on Anthropic's side, which no route
 * reached through the gateway can be counted on to do: refused by name, as /v1/responses refuses hosted tools. */
function customTools(tools: NonNullable<AnthropicWireRequest['tools']>): AnthropicCustomTool[] {
  return tools.map((t, i) => {
    if (t.type !== undefined && t.type !== 'custom') {
      throw new WireRequestError(
        `tools[${i}].type`,
        `"${t.type}" is one of Anthropic's own tools (server tools such as web search and code execution, and tools such as bash, text editor and computer use), which other providers do not have, so the gateway does not route them; custom tools, with an input_schema, are supported`,
      );
    }
    return t as AnthropicCustomTool;
  });
}

/** Validates an Anthropic-shaped request body and translates it; throws WireRequestError naming the bad field. */
export function parseAnthropicRequest(body: unknown): ParsedAnthropicRequest {
  // The common shape is checked by hand (same rules); zod decides, and words the error, for everything else.
  const wire = fastAnthropicRequest(body) ?? parseWire(anthropicRequest, body);
  const messages: ChatMessage[] = [];
  const system = systemOf(wire.system);
  if (system !== undefined) messages.push(system);
  wire.messages.forEach((m, i) => {
    if (!clearedSystem(wire.messages, i)) messages.push(...messagesOfTurn(m, i));
  });
  const request: ChatRequest = { model: wire.model, messages };
  if (wire.tools) request.tools = customTools(wire.tools).map(toolOf);
  const choice = toolChoiceFromWire(wire.tool_choice);
  if (choice !== undefined) request.tool_choice = choice;
  checkToolChoice(request);
  if (wire.max_tokens !== undefined) request.max_tokens = wire.max_tokens;
  if (wire.temperature !== undefined) request.temperature = wire.temperature;
  if (wire.top_p !== undefined) request.top_p = wire.top_p;
  if (wire.stop_sequences && wire.stop_sequences.length > 0) request.stop = wire.stop_sequences;
  if (wire.top_k !== undefined) request.top_k = wire.top_k;
  if (typeof wire.metadata?.user_id === 'string') request.user = wire.metadata.user_id;
  if (wire.tool_choice?.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
  const output = wire.output_config;
  if (output?.format != null)
    request.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: output.format.schema } };
  const fields = anthropicFieldsFromWire(wire);
  if (fields !== undefined) request.anthropic_fields = fields;
  return { request, stream: wire.stream === true, ...(wire.betas !== undefined ? { betas: wire.betas } : {}) };
}

/** The fields only Anthropic routes are sent (AnthropicFields); `output_config.format` is not among them: it travels
 * as `response_format`, which every route shape answers (an Anthropic route as `output_config.format` again). Null
 * counts as absent, as Anthropic reads it. */
function anthropicFieldsFromWire(wire: AnthropicWireRequest): AnthropicFields | undefined {
  const fields: AnthropicFields = {};
  if (wire.thinking != null) fields.thinking = wire.thinking;
  if (wire.context_management != null) fields.context_management = wire.context_management;
  if (wire.output_config !== undefined) {
    const { format: _format, ...rest } = wire.output_config;
    const kept = Object.fromEntries(Object.entries(rest).filter(([, v]) => v != null));
    if (Object.keys(kept).length > 0) fields.output_config = kept;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}
