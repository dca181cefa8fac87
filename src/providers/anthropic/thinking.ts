// Whether an Anthropic route is sent the caller's thinking, and the history's thinking blocks that go with it
// (docs/shapes.md#thinking-blocks).
import type { ChatMessage, ChatRequest } from '../types.ts';
import { modelTakes } from './features.ts';
import { isThinking, needsParts } from '../translate/parts.ts';
import { type Obj, isObj } from '../translate/obj.ts';

type Thinking = Readonly<Record<string, unknown>>;

/** The thinking to send, or undefined when Anthropic would refuse it (docs/shapes.md#thinking-blocks). `messages`
 * is the wire history (what is not an object in it is passed over). */
export function thinkingToSend(req: ChatRequest, messages: readonly unknown[]): Thinking | undefined {
  const thinking = req.anthropic_fields?.thinking;
  if (thinking === undefined || thinking['type'] === 'disabled') return thinking;
  if (thinking['type'] === 'adaptive' && !modelTakes(req.model, 'adaptive_thinking')) return undefined;
  return answersUnthoughtTools(messages) ? undefined : thinking;
}

export const thinks = (thinking: Thinking | undefined): boolean =>
  thinking !== undefined && thinking['type'] !== 'disabled';

const isThinkingBlock = (b: unknown): boolean =>
  isObj(b) && (b['type'] === 'thinking' || b['type'] === 'redacted_thinking');

/** The request sends tool results for an assistant turn that does not open with a thinking block (one an OpenAI
 * route answered, say): Anthropic refuses thinking then, so the model answers this turn without it. */
function answersUnthoughtTools(messages: readonly unknown[]): boolean {
  const last = turnBefore(messages, messages.length);
  const lastTurn = last === undefined ? undefined : (messages[last] as Obj);
  const results =
    Array.isArray(lastTurn?.['content']) && lastTurn['content'].some((b) => isObj(b) && b['type'] === 'tool_result');
  if (lastTurn?.['role'] !== 'user' || !results) return false;
  const before = turnBefore(messages, last!);
  const asked = before === undefined ? undefined : (messages[before] as Obj)['content'];
  return !(Array.isArray(asked) && isThinkingBlock(asked[0]));
}

/** Where the last turn (an object, not a system message) before index `end` is: read from the end, since only the
 * last two turns count and a long conversation's copies were made on every request. */
function turnBefore(messages: readonly unknown[], end: number): number | undefined {
  for (let i = end - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObj(m) && m['role'] !== 'system') return i;
  }
  return undefined;
}

export const holdsThinking = (m: ChatMessage): boolean => m.parts?.some(isThinking) === true;

/** The history without thinking blocks, for a request without thinking: Anthropic refuses them in the last assistant
 * turn then, and elsewhere they serve nothing. */
export function withoutThinking(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.map((m) => {
    if (!holdsThinking(m)) return m;
    const { parts: _all, ...rest } = m;
    const parts = (m.parts ?? []).filter((p) => !isThinking(p));
    return needsParts(parts) ? { ...rest, parts } : rest;
  });
}
