// Canonical chat → Amazon Bedrock's Converse API, one request shape for every model Bedrock serves (Claude, Llama,
// Mistral, Nova, …): `messages` of content blocks (`text`, `image`, `toolUse`, `toolResult`, `cachePoint`), `system`
// blocks, `inferenceConfig`, `toolConfig`; model-specific settings (`top_k`, Claude's `thinking`) in
// `additionalModelRequestFields`. Prompt-cache marks become `cachePoint` blocks after what they mark. The answer back
// is answer.ts.
import { compactionText, withoutCompaction } from '../translate/compaction.ts';
import type { ChatMessage, ChatRequest, ContentPart, ThinkingPart, ToolCall } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';
import { splitStops } from '../stop-sequences.ts';
import { jsonInstruction } from '../translate/response-format.ts';

const CACHE_POINT: Obj = { cachePoint: { type: 'default' } };
const IMAGE_FORMAT = /^data:image\/(png|jpeg|gif|webp);base64,/;

/** An Anthropic thinking block as Converse carries it (Claude models only; the signature is Bedrock's own). */
function reasoningBlock(p: ThinkingPart): Obj {
  return p.type === 'thinking'
    ? { reasoningContent: { reasoningText: { text: p.thinking, signature: p.signature } } }
    : { reasoningContent: { redactedContent: p.data } };
}

function partBlocks(parts: readonly ContentPart[], thinking: boolean): Obj[] {
  const out: Obj[] = [];
  for (const p of parts) {
    if (p.type === 'text') out.push({ text: p.text });
    else if (p.type === 'compaction') {
      out.push({ text: compactionText(p.content) });
      continue;
    } else if (p.type === 'thinking' || p.type === 'redacted_thinking') {
      // An unsigned block (Gemini's thought summary) is no Claude's: left out, not refused.
      if (thinking && !(p.type === 'thinking' && p.signature === '')) out.push(reasoningBlock(p));
      continue;
    } else if (p.type === 'image') {
      const m = IMAGE_FORMAT.exec(p.url);
      // Converse takes an image's bytes (or an S3 location), not a URL: one by URL is said in words.
      out.push(
        m ? { image: { format: m[1], source: { bytes: p.url.slice(m[0].length) } } } : { text: `[image: ${p.url}]` },
      );
    }
    if (p.cache_control !== undefined) out.push(CACHE_POINT);
  }
  return out;
}

function argsOf(call: ToolCall): unknown {
  try {
    return JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch {
    return { arguments: call.arguments };
  }
}

function blocksOf(m: ChatMessage, thinking: boolean): Obj[] {
  if (m.role === 'tool') {
    const block: Obj = {
      toolResult: {
        toolUseId: m.tool_call_id ?? '',
        content: [{ text: m.content ?? '' }],
        status: m.is_error === true ? 'error' : 'success',
      },
    };
    return m.cache_control !== undefined ? [block, CACHE_POINT] : [block];
  }
  const out = m.parts !== undefined ? partBlocks(m.parts, thinking) : m.content ? [{ text: m.content }] : [];
  for (const call of m.tool_calls ?? [])
    out.push({ toolUse: { toolUseId: call.id, name: call.name, input: argsOf(call) } });
  return out.length > 0 ? out : [{ text: ' ' }];
}

/** Consecutive turns of one role are one message (tool results answer in one user turn). */
function messagesOf(messages: readonly ChatMessage[], thinking: boolean): Obj[] {
  const out: { role: string; content: Obj[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const last = out.at(-1);
    if (last !== undefined && last.role === role) last.content.push(...blocksOf(m, thinking));
    else out.push({ role, content: blocksOf(m, thinking) });
  }
  return out;
}

function systemOf(messages: readonly ChatMessage[]): Obj[] {
  const out: Obj[] = [];
  for (const m of messages.filter((x) => x.role === 'system'))
    out.push(...(m.parts !== undefined ? partBlocks(m.parts, false) : [{ text: m.content ?? '' }]));
  return out;
}

const isAnthropicModel = (model: string): boolean => /(^|\.)anthropic\.claude|^arn:.*claude/.test(model);

function toolConfig(req: ChatRequest): Obj | undefined {
  if (req.tools === undefined || req.tools.length === 0) return undefined;
  const tools: Obj[] = [];
  for (const t of req.tools) {
    tools.push({
      toolSpec: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        inputSchema: { json: t.parameters },
      },
    });
    if (t.cache_control !== undefined) tools.push(CACHE_POINT);
  }
  const choice = req.tool_choice;
  const out: Obj = { tools };
  if (choice === 'required') out['toolChoice'] = { any: {} };
  else if (choice === 'auto') out['toolChoice'] = { auto: {} };
  else if (typeof choice === 'object') out['toolChoice'] = { tool: { name: choice.name } };
  return out;
}

/** The caller's thinking, for a Claude model, unless the request answers tools of a turn that did not open with a
 * thinking block (which Claude refuses with thinking on, as on Anthropic's API: anthropic/thinking.ts). */
function thinkingOf(req: ChatRequest, messages: readonly Obj[]): Readonly<Record<string, unknown>> | undefined {
  const thinking = req.anthropic_fields?.thinking;
  if (thinking === undefined || !isAnthropicModel(req.model) || thinking['type'] === 'disabled') return undefined;
  const last = messages.at(-1);
  const blocksOfLast = Array.isArray(last?.['content']) ? (last['content'] as Obj[]) : [];
  if (!blocksOfLast.some((b) => isObj(b['toolResult']))) return thinking;
  const asked = messages.at(-2)?.['content'];
  return Array.isArray(asked) && isObj(asked[0]) && isObj((asked[0] as Obj)['reasoningContent']) ? thinking : undefined;
}

/** The Converse body; the model goes in the path. */
export function toConverseRequest(req: ChatRequest): Obj {
  // Converse has no compaction blocks: the summary stands for what it replaced (compaction.ts).
  const all = withoutCompaction(req.messages);
  let messages = messagesOf(all, true);
  const thinking = thinkingOf(req, messages);
  // Without thinking, the history's thinking blocks go: Claude refuses them in the last assistant turn then.
  if (thinking === undefined) messages = messagesOf(all, false);
  const body: Obj = { messages };
  const system = systemOf(all);
  // Converse has no JSON mode for every model: JSON is asked for in the system prompt, as for Anthropic's API.
  const json = req.response_format === undefined ? undefined : jsonInstruction(req.response_format);
  if (json !== undefined) system.push({ text: json });
  if (system.length > 0) body['system'] = system;
  const inference: Obj = {};
  if (req.max_tokens !== undefined) inference['maxTokens'] = req.max_tokens;
  if (req.temperature !== undefined) inference['temperature'] = req.temperature;
  if (req.top_p !== undefined) inference['topP'] = req.top_p;
  const stop = splitStops(req.stop).sent;
  if (stop.length > 0) inference['stopSequences'] = stop;
  if (Object.keys(inference).length > 0) body['inferenceConfig'] = inference;
  const tools = toolConfig(req);
  if (tools !== undefined && req.tool_choice !== 'none') body['toolConfig'] = tools;
  const extra: Obj = {};
  if (req.top_k !== undefined) extra['top_k'] = req.top_k;
  if (thinking !== undefined) extra['thinking'] = thinking;
  if (Object.keys(extra).length > 0) body['additionalModelRequestFields'] = extra;
  return body;
}
