// Tool-call ids as Anthropic accepts them: each tool_use id must match ^[a-zA-Z0-9_-]+$ and be unique in the
// conversation. Histories from OpenAI-compatible upstreams break both — Kimi's `functions.Bash:0`, empty ids, or
// `call_0` in every turn from servers that number the calls of each answer — and a fallback to an Anthropic route
// that forwarded them would turn a retryable failure of the primary into a 400 that no one retries.
import type { ChatMessage, ToolCall } from '../types.ts';

const VALID = /^[a-zA-Z0-9_-]+$/;
const INVALID_CHARS = /[^a-zA-Z0-9_-]/g;
/** The base of an id made up for a tool call that came with an empty one. */
const EMPTY_BASE = 'tool_call';

/** The id a tool message answers; a library caller may leave it out, which the wire shape sends as ''. */
const answeredId = (m: ChatMessage): string => m.tool_call_id ?? '';

/** The common case, checked in one scan without copying anything: every call's id valid and not used before, and
 * every tool result's valid. */
function alreadyValid(messages: readonly ChatMessage[]): boolean {
  let seen: Set<string> | undefined; // made at the first tool call: most requests have none
  for (const m of messages) {
    if (m.role === 'tool' && !VALID.test(answeredId(m))) return false;
    if (m.tool_calls === undefined) continue;
    for (const c of m.tool_calls) {
      if (!VALID.test(c.id) || seen?.has(c.id) === true) return false;
      (seen ??= new Set()).add(c.id);
    }
  }
  return true;
}

/** Hands out ids: a valid id to its first call, and to every other call a new one that no call of the conversation
 * was sent with, so an id that was already fine never changes. */
function idAllocator(messages: readonly ChatMessage[]): (original: string) => string {
  const taken = new Set<string>();
  for (const m of messages) for (const c of m.tool_calls ?? []) if (VALID.test(c.id)) taken.add(c.id);
  const claimed = new Set<string>();
  return (original) => {
    if (VALID.test(original) && !claimed.has(original)) {
      claimed.add(original);
      return original;
    }
    const base = original.replace(INVALID_CHARS, '_') || EMPTY_BASE;
    let id = base;
    for (let n = 2; claimed.has(id) || taken.has(id); n++) id = `${base}_${n}`;
    claimed.add(id);
    return id;
  };
}

/**
 * The messages with tool-call ids Anthropic accepts, mapped deterministically: invalid characters become `_`, an
 * empty id becomes `tool_call`, a repeated id gets `_2`, `_3`, … — and each tool result names the id of the call it
 * answers: the k-th result with an id answers the k-th call of the turn before it sent with that id, else the most
 * recent call sent with it. Returns the same array when every id is already valid
 * and unique (the common case, so Anthropic-to-Anthropic traffic passes untouched); otherwise only the messages
 * whose ids change are copied.
 */
export function withAnthropicToolIds(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  if (alreadyValid(messages)) return messages;
  const allocate = idAllocator(messages);
  /** Each id as sent → the id of the most recent call sent with it. */
  const latest = new Map<string, string>();
  /** The last assistant turn's calls by the id they were sent with, in order: when one turn repeats an id (two
   * parallel calls with empty ids, `call_0` twice), the k-th result with that id answers the k-th call. */
  let pending = new Map<string, string[]>();
  return messages.map((m) => {
    if (m.role === 'tool') {
      const original = answeredId(m);
      // A result that answers no earlier call is refused by Anthropic whatever its id; it is only made well-formed.
      const id =
        pending.get(original)?.shift() ?? latest.get(original) ?? (original.replace(INVALID_CHARS, '_') || EMPTY_BASE);
      return id === m.tool_call_id ? m : { ...m, tool_call_id: id };
    }
    if (m.tool_calls === undefined) return m;
    pending = new Map();
    let changed = false;
    const calls = m.tool_calls.map((c): ToolCall => {
      const id = allocate(c.id);
      latest.set(c.id, id);
      const queue = pending.get(c.id);
      if (queue) queue.push(id);
      else pending.set(c.id, [id]);
      if (id === c.id) return c;
      changed = true;
      return { ...c, id };
    });
    return changed ? { ...m, tool_calls: calls } : m;
  });
}
