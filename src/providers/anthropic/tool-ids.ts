// Tool-call ids as Anthropic accepts them (valid characters, unique in the conversation): OpenAI-style histories
// break both, and forwarded they would turn a fallback into a 400 (docs/shapes.md#tool-call-ids).
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

/** The messages with ids mapped deterministically, tool results following their calls. Returns the same array
 * when every id is already valid and unique (Anthropic-to-Anthropic traffic). */
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
