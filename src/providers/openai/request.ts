// Canonical (src/providers/types.ts) → the chat-completions request the OpenAI adapter sends upstream; its answer
// back to canonical is answer.ts. What an OpenAI caller of the gateway sends and gets is gateway/wire/.
import { splitStops } from '../stop-sequences.ts';
import type { ChatMessage, ChatRequest, ContentPart, ToolChoice, ToolDefinition } from '../types.ts';
import { hasImage, textOfParts } from '../translate/parts.ts';
import { withoutCompaction } from '../translate/compaction.ts';
import { type Obj } from '../translate/obj.ts';
import { madeOncePerShared } from '../../shared-value.ts';

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

/** The OpenAI message of a canonical one, made once for a shared one (a turn an earlier request sent too): its bytes
 * are then written once too (json-bytes.ts). */
const wireMessageOf = madeOncePerShared(messageToWire);

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
    out.push(wireMessageOf(m));
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

/** A tool's OpenAI form, made once for a shared one. */
const wireToolOf = madeOncePerShared(toolToWire);

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
  const body: Record<string, unknown> = { model: req.model, messages: messagesToWire(withoutCompaction(req.messages)) };
  if (req.tools && req.tools.length > 0) body['tools'] = req.tools.map(wireToolOf);
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
