// Gemini's `generateContent` answer → canonical: a candidate's parts (text, thought summaries, function calls with
// the thought signature in their id), its finish reason, a blocked prompt, and usage. Shared by the Gemini API and
// Vertex AI's Gemini models, and by stream.ts for each chunk's parts.
import type { ChatResponse, FinishReason, ToolCall } from '../types.ts';
import { isObj } from '../translate/obj.ts';
import { malformed, finishWithTools, toolCallName } from '../translate/answer-check.ts';
import { usageFromGemini } from '../translate/usage.ts';
import { geminiToolCallId } from './ids.ts';

/** Gemini's finish reasons; every block by a filter (safety, recitation, a blocklist, …) is `content_filter`. */
const FINISH: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  LANGUAGE: 'content_filter',
};

export function finishFromGemini(reason: unknown): FinishReason {
  return typeof reason === 'string' ? (FINISH[reason] ?? 'stop') : 'stop';
}

/** Why the prompt itself was blocked (`promptFeedback.blockReason`, no candidates), if it was. */
export function promptBlockOf(body: unknown): string | undefined {
  if (!isObj(body)) return undefined;
  const candidates = body['candidates'];
  if (Array.isArray(candidates) && candidates.length > 0) return undefined;
  const feedback = body['promptFeedback'];
  const reason = isObj(feedback) ? feedback['blockReason'] : undefined;
  return typeof reason === 'string' ? reason : undefined;
}

/** A candidate's parts: its text, its thought summaries (`thought: true`, asked for with `includeThoughts`: the
 * caller's thinking) with a thought part's signature if it has one, and function calls. */
export function readParts(
  parts: unknown,
  path: string,
): { text: string; thoughts: string; thoughtSignature?: string; calls: ToolCall[] } {
  if (parts === undefined) return { text: '', thoughts: '', calls: [] };
  if (!Array.isArray(parts)) throw malformed(path, parts, 'an array of parts');
  let text = '';
  let thoughts = '';
  let thoughtSignature: string | undefined;
  const calls: ToolCall[] = [];
  parts.forEach((p: unknown, i) => {
    if (!isObj(p)) throw malformed(`${path}[${i}]`, p, 'a part');
    if (typeof p['text'] === 'string' && p['thought'] === true) {
      thoughts += p['text'];
      if (typeof p['thoughtSignature'] === 'string') thoughtSignature = p['thoughtSignature'];
    } else if (typeof p['text'] === 'string') text += p['text'];
    const call = p['functionCall'];
    if (isObj(call)) {
      const name = toolCallName(call['name'], `${path}[${i}].functionCall.name`);
      const signature = typeof p['thoughtSignature'] === 'string' ? p['thoughtSignature'] : undefined;
      calls.push({ id: geminiToolCallId(signature), name, arguments: JSON.stringify(call['args'] ?? {}) });
    }
  });
  return thoughtSignature !== undefined ? { text, thoughts, thoughtSignature, calls } : { text, thoughts, calls };
}

export function fromGeminiResponse(body: unknown): ChatResponse {
  if (!isObj(body)) throw malformed('answer', body, 'an object');
  const candidates = body['candidates'];
  if (!Array.isArray(candidates) || candidates.length === 0) throw malformed('candidates', candidates, 'a candidate');
  const candidate: unknown = candidates[0];
  if (!isObj(candidate)) throw malformed('candidates[0]', candidate, 'an object');
  const content = candidate['content'];
  const read = readParts(isObj(content) ? content['parts'] : undefined, 'candidates[0].content.parts');
  const { text, calls } = read;
  const res: ChatResponse = {
    id: typeof body['responseId'] === 'string' ? body['responseId'] : '',
    model: typeof body['modelVersion'] === 'string' ? body['modelVersion'] : '',
    content: text,
    tool_calls: calls,
    finish_reason: finishWithTools(finishFromGemini(candidate['finishReason']), calls.length),
  };
  // Gemini's thought summary: thinking for the caller, unsigned (no Anthropic model could check it).
  if (read.thoughts !== '')
    res.thinking = [{ type: 'thinking', thinking: read.thoughts, signature: read.thoughtSignature ?? '' }];
  const usage = usageFromGemini(body['usageMetadata']);
  if (usage !== undefined) res.usage = usage;
  return res;
}
