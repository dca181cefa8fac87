// Canonical chat → Gemini's `generateContent` (the Gemini API and Vertex AI's Gemini models share it): messages become
// `contents` of `user` and `model` turns with the system prompt apart, tools `functionDeclarations` with their JSON
// Schema as it is (`parametersJsonSchema`), settings `generationConfig`. A model turn's function calls go back with
// the thought signature their id carries (ids.ts); the answer back is answer.ts.
import { withoutCompaction } from '../translate/compaction.ts';
import type { ChatMessage, ChatRequest, ToolCall, ToolChoice } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';
import { signatureOfId } from './ids.ts';
import { splitStops } from '../stop-sequences.ts';

const DATA_URL = /^data:([^;,]+);base64,/;

/** An image by URL: Gemini wants its media type, which the extension usually tells. */
function mediaTypeOfUrl(url: string): string {
  const ext = /\.(png|jpe?g|gif|webp)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return ext === 'png' ? 'image/png' : ext === 'gif' ? 'image/gif' : ext === 'webp' ? 'image/webp' : 'image/jpeg';
}

function userParts(m: ChatMessage): Obj[] {
  if (m.parts === undefined) return [{ text: m.content ?? '' }];
  const out: Obj[] = [];
  for (const p of m.parts) {
    if (p.type === 'text') out.push({ text: p.text });
    else if (p.type === 'image') {
      const data = DATA_URL.exec(p.url);
      out.push(
        data
          ? { inlineData: { mimeType: data[1], data: p.url.slice(data[0].length) } }
          : { fileData: { mimeType: mediaTypeOfUrl(p.url), fileUri: p.url } },
      );
    }
    // Thinking blocks are Anthropic's, signed for Anthropic: no other platform takes them.
  }
  return out.length > 0 ? out : [{ text: '' }];
}

function argsOf(call: ToolCall): Obj {
  try {
    const v: unknown = JSON.parse(call.arguments === '' ? '{}' : call.arguments);
    return isObj(v) ? v : { value: v };
  } catch {
    // Arguments a model cut short: what there is goes back as text, so the turn is still well-formed.
    return { arguments: call.arguments };
  }
}

function modelParts(m: ChatMessage): Obj[] {
  const out: Obj[] = [];
  if (m.content !== null && m.content !== '') out.push({ text: m.content });
  for (const call of m.tool_calls ?? []) {
    const part: Obj = { functionCall: { name: call.name, args: argsOf(call) } };
    const signature = signatureOfId(call.id);
    if (signature !== undefined) part['thoughtSignature'] = signature;
    out.push(part);
  }
  return out.length > 0 ? out : [{ text: '' }];
}

/** A tool result names its function, which Gemini matches to the call: found by the call's id in the history. */
function toolResultPart(m: ChatMessage, names: ReadonlyMap<string, string>): Obj {
  const name = names.get(m.tool_call_id ?? '') ?? m.name ?? 'tool';
  const text = m.content ?? '';
  return { functionResponse: { name, response: m.is_error === true ? { error: text } : { result: text } } };
}

/** `contents`: consecutive turns of one role are one content (tool results answer in one user turn). */
export function contentsOf(messages: readonly ChatMessage[]): Obj[] {
  const names = new Map<string, string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) names.set(c.id, c.name);
  const out: { role: string; parts: Obj[] }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const parts =
      m.role === 'assistant' ? modelParts(m) : m.role === 'tool' ? [toolResultPart(m, names)] : userParts(m);
    const last = out.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  }
  return out;
}

function toolConfig(choice: ToolChoice): Obj {
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.name] } };
}

/** `reasoning_effort` as a thinking budget (Gemini 2.5), or a thinking level (Gemini 3, which takes `low` and
 * `high`). */
const THINKING_BUDGET: Readonly<Record<string, number>> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576 };

/** An Anthropic caller's `thinking` (Claude Code's): Gemini thinks as much, and sends its thought summaries back
 * (`includeThoughts`), which the caller gets as thinking blocks. */
function anthropicThinking(req: ChatRequest): Obj | undefined {
  const t = req.anthropic_fields?.thinking;
  if (t === undefined || (t['type'] !== 'enabled' && t['type'] !== 'adaptive')) return undefined;
  const budget = typeof t['budget_tokens'] === 'number' ? t['budget_tokens'] : undefined;
  if (/^(models\/)?gemini-3/.test(req.model))
    return { thinkingLevel: budget !== undefined && budget < 8192 ? 'low' : 'high', includeThoughts: true };
  // -1: the model decides how much (Gemini 2.5's dynamic thinking), as adaptive thinking does.
  return { thinkingBudget: budget ?? -1, includeThoughts: true };
}

function thinkingConfig(req: ChatRequest): Obj | undefined {
  const asked = anthropicThinking(req);
  if (asked !== undefined) return asked;
  const effort = req.reasoning_effort;
  if (effort === undefined || THINKING_BUDGET[effort] === undefined) return undefined;
  if (/^(models\/)?gemini-3/.test(req.model))
    return { thinkingLevel: effort === 'medium' || effort === 'high' ? 'high' : 'low' };
  return { thinkingBudget: THINKING_BUDGET[effort] };
}

/** Gemini takes at most five stop sequences; the rest are enforced on the answer (stop-sequences.ts). */
function generationConfig(req: ChatRequest): Obj {
  const g: Obj = {};
  if (req.max_tokens !== undefined) g['maxOutputTokens'] = req.max_tokens;
  if (req.temperature !== undefined) g['temperature'] = req.temperature;
  if (req.top_p !== undefined) g['topP'] = req.top_p;
  if (req.top_k !== undefined) g['topK'] = req.top_k;
  if (req.seed !== undefined) g['seed'] = req.seed;
  if (req.presence_penalty !== undefined) g['presencePenalty'] = req.presence_penalty;
  if (req.frequency_penalty !== undefined) g['frequencyPenalty'] = req.frequency_penalty;
  const thinking = thinkingConfig(req);
  if (thinking !== undefined) g['thinkingConfig'] = thinking;
  const stop = splitStops(req.stop).sent.slice(0, 5);
  if (stop.length > 0) g['stopSequences'] = stop;
  const format = req.response_format;
  if (format?.type === 'json_object') g['responseMimeType'] = 'application/json';
  if (format?.type === 'json_schema') {
    g['responseMimeType'] = 'application/json';
    if (format.json_schema.schema !== undefined) g['responseJsonSchema'] = format.json_schema.schema;
  }
  return g;
}

/** The `generateContent` body; the model goes in the URL. */
export function toGeminiRequest(req: ChatRequest): Obj {
  // Gemini has no compaction blocks: the summary stands for what it replaced (compaction.ts).
  const all = withoutCompaction(req.messages);
  const body: Obj = { contents: contentsOf(all) };
  const system = all.filter((m) => m.role === 'system').map((m) => m.content ?? '');
  if (system.length > 0) body['systemInstruction'] = { parts: [{ text: system.join('\n\n') }] };
  if (req.tools !== undefined && req.tools.length > 0) {
    body['tools'] = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.name,
          ...(t.description !== undefined ? { description: t.description } : {}),
          parametersJsonSchema: t.parameters,
        })),
      },
    ];
    if (req.tool_choice !== undefined) body['toolConfig'] = toolConfig(req.tool_choice);
  }
  const g = generationConfig(req);
  if (Object.keys(g).length > 0) body['generationConfig'] = g;
  return body;
}
