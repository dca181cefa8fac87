// What an upstream answer must hold to be passed on. Harmless variations are read leniently; an unreadable field
// makes a malformed answer (a `server` failure that falls back), never a blanked one the caller would trust.
import type { FinishReason } from '../types.ts';
import { kindOf } from './wire-error.ts';

/** Thrown by the fromXResponse translators; the adapters turn it into an UpstreamError of kind `server`. */
export class MalformedAnswer extends Error {
  override readonly name = 'MalformedAnswer';
}

export function malformed(path: string, value: unknown, expected: string): MalformedAnswer {
  return new MalformedAnswer(
    value === undefined
      ? `${path} is missing, expected ${expected}`
      : `${path} is ${kindOf(value)}, expected ${expected}`,
  );
}

/** Text content: a string, null/absent (''), or an array of text parts (some compatible servers) joined. */
export function textContent(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    let text = '';
    value.forEach((part: unknown, i) => {
      if (typeof part === 'string') text += part;
      else if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string')
        text += (part as { text: string }).text;
      else if (!(typeof part === 'object' && part !== null && 'type' in part))
        throw malformed(`${path}[${i}]`, part, 'a text part');
    });
    return text;
  }
  throw malformed(path, value, 'a string');
}

/** A tool call needs a name to be run; arguments may come as JSON text (OpenAI) or as an object (some servers). */
export function toolCallName(value: unknown, path: string): string {
  if (typeof value === 'string' && value !== '') return value;
  throw malformed(path, value, 'a function name');
}

export function toolCallArguments(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value);
  throw malformed(path, value, 'JSON text');
}

/** Servers that answer tool calls with finish "stop" (some vLLM and Ollama versions): the caller must see that the
 * turn ended for its tools (Anthropic's agents loop on stop_reason "tool_use"). */
export function finishWithTools(finish: FinishReason, toolCalls: number): FinishReason {
  return toolCalls > 0 && finish === 'stop' ? 'tool_calls' : finish;
}
