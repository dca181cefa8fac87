// Gemini's `streamGenerateContent?alt=sse` chunks → canonical StreamEvents. Each chunk is a whole
// GenerateContentResponse holding the next piece: thought summaries (a thinking block, before the answer), text parts,
// function calls each whole
// in one part, the finish reason on the last, `usageMetadata` as it stands. The stream has no end marker: it is
// complete once a finish reason came.
import type { FinishReason, StreamEvent, Usage } from '../types.ts';
import { isObj } from '../translate/obj.ts';
import { finishFromGemini, readParts } from './answer.ts';
import { finishWithTools } from '../translate/answer-check.ts';
import { usageFromGemini } from '../translate/usage.ts';

export interface GeminiChunkDecoder {
  push(chunk: unknown): StreamEvent[];
  end(): StreamEvent[];
  readonly complete: boolean;
}

export function createGeminiChunkDecoder(): GeminiChunkDecoder {
  let started = false;
  let text: string | undefined;
  let thinking: string | undefined;
  let blocks = 0;
  let calls = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;

  const closeThinking = (out: StreamEvent[]): void => {
    if (thinking !== undefined) out.push({ type: 'thinking_end', id: thinking });
    thinking = undefined;
  };
  const closeText = (out: StreamEvent[]): void => {
    closeThinking(out);
    if (text !== undefined) out.push({ type: 'text_end', id: text });
    text = undefined;
  };

  return {
    push(chunk) {
      if (!isObj(chunk)) return [];
      const out: StreamEvent[] = [];
      if (!started) {
        started = true;
        const id = typeof chunk['responseId'] === 'string' ? chunk['responseId'] : '';
        const model = typeof chunk['modelVersion'] === 'string' ? chunk['modelVersion'] : '';
        out.push({ type: 'start', id, model });
      }
      const candidate: unknown = Array.isArray(chunk['candidates']) ? chunk['candidates'][0] : undefined;
      if (isObj(candidate)) {
        const content = candidate['content'];
        const parts = readParts(isObj(content) ? content['parts'] : undefined, 'candidates[0].content.parts');
        if (parts.thoughts !== '') {
          if (thinking === undefined) {
            closeText(out);
            thinking = `thinking_${blocks++}`;
            out.push({ type: 'thinking_start', id: thinking });
          }
          out.push({ type: 'thinking', thinking: parts.thoughts, id: thinking });
          if (parts.thoughtSignature !== undefined)
            out.push({ type: 'thinking_signature', signature: parts.thoughtSignature, id: thinking });
        }
        if (parts.text !== '') {
          closeThinking(out);
          if (text === undefined) {
            text = `text_${blocks++}`;
            out.push({ type: 'text_start', id: text });
          }
          out.push({ type: 'text', text: parts.text, id: text });
        }
        for (const call of parts.calls) {
          closeText(out);
          const index = calls++;
          out.push({ type: 'tool_call_start', index, id: call.id, name: call.name });
          out.push({ type: 'tool_call_delta', index, arguments: call.arguments, id: call.id });
          out.push({ type: 'tool_call_end', index, id: call.id });
        }
        if (candidate['finishReason'] != null) finish = finishFromGemini(candidate['finishReason']);
      }
      usage = usageFromGemini(chunk['usageMetadata']) ?? usage;
      return out;
    },
    end() {
      if (finish === undefined) return [];
      const out: StreamEvent[] = [];
      closeText(out);
      const finish_reason = finishWithTools(finish, calls);
      out.push(usage ? { type: 'finish', finish_reason, usage } : { type: 'finish', finish_reason });
      return out;
    },
    get complete() {
      return finish !== undefined;
    },
  };
}
