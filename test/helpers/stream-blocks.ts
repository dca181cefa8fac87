// What every stream of canonical events must be (docs/routing.md#stream-events): each delta inside the open block it
// names, no block id twice, text and thinking blocks beside no other open block, and every block ended by the finish.
import assert from 'node:assert/strict';
import type { StreamEvent } from '../../src/providers/types.ts';

type Kind = 'text' | 'thinking' | 'tool';

/** Throws, naming the event, when `events` are not well-formed blocks. */
export function assertBlocks(events: readonly StreamEvent[]): void {
  const open = new Map<string, Kind>();
  const seen = new Set<string>();
  const opens = (id: string, kind: Kind, at: number): void => {
    assert.ok(!seen.has(id), `event ${at}: block ${id} opened twice`);
    seen.add(id);
    const others = [...open.values()];
    if (kind === 'tool')
      assert.ok(
        others.every((k) => k === 'tool'),
        `event ${at}: a tool call beside ${others}`,
      );
    else assert.deepEqual(others, [], `event ${at}: a ${kind} block beside open ones`);
    open.set(id, kind);
  };
  const inside = (id: string | undefined, kind: Kind, at: number): void =>
    assert.equal(open.get(id ?? ''), kind, `event ${at}: a ${kind} delta outside an open ${kind} block (${id})`);
  const ends = (id: string, kind: Kind, at: number): void => {
    inside(id, kind, at);
    open.delete(id);
  };
  events.forEach((e, at) => {
    switch (e.type) {
      case 'text_start':
        return opens(e.id, 'text', at);
      case 'thinking_start':
        return opens(e.id, 'thinking', at);
      case 'tool_call_start':
        return opens(e.id, 'tool', at);
      case 'text':
      case 'refusal':
        return inside(e.id, 'text', at);
      case 'thinking':
      case 'thinking_signature':
        return inside(e.id, 'thinking', at);
      case 'tool_call_delta':
        return inside(e.id, 'tool', at);
      case 'text_end':
        return ends(e.id, 'text', at);
      case 'thinking_end':
        return ends(e.id, 'thinking', at);
      case 'tool_call_end':
        return ends(e.id, 'tool', at);
      case 'redacted_thinking':
        assert.ok(e.id !== undefined && !seen.has(e.id), `event ${at}: a redacted block without an id of its own`);
        seen.add(e.id);
        return assert.equal(open.size, 0, `event ${at}: a redacted block beside open ones`);
      case 'finish':
        assert.equal(at, events.length - 1, 'the finish is the last event');
        return assert.deepEqual([...open.keys()], [], 'every block ended before the finish');
      default:
    }
  });
}
