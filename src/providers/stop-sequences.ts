// Stop sequences beyond the four Chat Completions takes: the gateway stops the answer at them itself
// (docs/shapes.md#limits-a-fallback-may-have).
import type { ChatResponse, StreamEvent, Usage } from './types.ts';

/** OpenAI's limit. Applied to every OpenAI-compatible route: Azure, Groq and gateways in front of OpenAI keep it
 * too, and the caller of a gateway cannot tell which answers; enforcing the rest here gives the same answer. */
export const OPENAI_MAX_STOP = 4;

const NONE: { sent: readonly string[]; kept: readonly string[] } = { sent: [], kept: [] };

/** The stop sequences sent upstream, and the ones left to enforce here. Every call asks, and nearly all send four or
 * fewer: those allocate nothing. */
export function splitStops(stop: readonly string[] | undefined): { sent: readonly string[]; kept: readonly string[] } {
  if (stop === undefined || stop.length === 0) return NONE;
  if (stop.length <= OPENAI_MAX_STOP) return { sent: stop, kept: NONE.kept };
  const all = stop;
  // Sent as they came; an empty one left to enforce would stop every answer before its first character.
  return { sent: all.slice(0, OPENAI_MAX_STOP), kept: all.slice(OPENAI_MAX_STOP).filter((s) => s !== '') };
}

/** Where the earliest of `stops` begins in `text`, and which (the longest, when two begin at the same place). */
function earliestStop(text: string, stops: readonly string[]): { at: number; sequence: string } | undefined {
  let best: { at: number; sequence: string } | undefined;
  for (const sequence of stops) {
    const at = text.indexOf(sequence);
    if (at < 0) continue;
    if (!best || at < best.at || (at === best.at && sequence.length > best.sequence.length)) best = { at, sequence };
  }
  return best;
}

/** A whole answer stopped at the first kept sequence in its text. What followed (tool calls included) is dropped:
 * an upstream that honoured the sequence would not have written it. */
export function stopAnswer(res: ChatResponse, kept: readonly string[]): ChatResponse {
  const stop = kept.length > 0 ? earliestStop(res.content, kept) : undefined;
  if (!stop) return res;
  return {
    ...res,
    content: res.content.slice(0, stop.at),
    tool_calls: [],
    finish_reason: 'stop_sequence',
    stop_sequence: stop.sequence,
  };
}

/** How many characters at the end of `text` could be the start of one of `stops` (to hold back until the next delta
 * says whether it is). */
function partialTail(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const s of stops) {
    for (let k = Math.min(s.length - 1, text.length); k > longest; k--) {
      if (text.endsWith(s.slice(0, k))) {
        longest = k;
        break;
      }
    }
  }
  return longest;
}

/** How long a stream stopped here keeps reading the upstream for its usage (below). */
export const USAGE_DRAIN_MS = 1_000;

/** A stream stopped at the first kept sequence. The upstream is drained for up to `drainMs` so the finish carries
 * its billed usage (docs/shapes.md#limits-a-fallback-may-have). */
export async function* stopStream(
  events: AsyncIterable<StreamEvent>,
  kept: readonly string[],
  drainMs = USAGE_DRAIN_MS,
): AsyncGenerator<StreamEvent> {
  const it = events[Symbol.asyncIterator]();
  let held = '';
  /** The block of the held text (the open text block: text never overlaps another block). */
  let heldId: string | undefined;
  // After a drain that ran out of time a next() is still pending, and an async generator's return() waits behind it:
  // the upstream is then closed without waiting (a stalled one would hold the end of this stream until its timeout).
  let pending = false;
  try {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      const e = next.value;
      if (e.type !== 'text') {
        if (held !== '') yield textOf(held, heldId);
        held = '';
        yield e;
        continue;
      }
      heldId = e.id;
      const text = held + e.text;
      const stop = earliestStop(text, kept);
      if (stop) {
        if (stop.at > 0) yield textOf(text.slice(0, stop.at), heldId);
        // The answer ends here: its text block with it.
        if (heldId !== undefined) yield { type: 'text_end', id: heldId };
        const { usage, timedOut } = await usageAtEnd(it, drainMs);
        pending = timedOut;
        yield usage
          ? { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: stop.sequence, usage }
          : { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: stop.sequence };
        return;
      }
      const keep = partialTail(text, kept);
      held = text.slice(text.length - keep);
      if (text.length > keep) yield textOf(text.slice(0, text.length - keep), heldId);
    }
    if (held !== '') yield textOf(held, heldId);
  } finally {
    const closing = it.return?.();
    if (pending) void closing?.catch(() => {});
    else await closing;
  }
}

/** A text delta in block `id` (every delta of one stream has the same shape). */
const textOf = (text: string, id: string | undefined): StreamEvent =>
  id === undefined ? { type: 'text', text } : { type: 'text', text, id };

/** The usage of the upstream's own finish, read within `ms` (events before it dropped), or undefined. A failure
 * after the stop is no failure of the answer, which is complete: it only means no usage. */
async function usageAtEnd(
  it: AsyncIterator<StreamEvent>,
  ms: number,
): Promise<{ usage: Usage | undefined; timedOut: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    for (;;) {
      // The race handles a later rejection of the next() it leaves behind: no unhandled rejection.
      const next = await Promise.race([it.next(), late]);
      if (next === 'late') return { usage: undefined, timedOut: true };
      if (next.done) return { usage: undefined, timedOut: false };
      if (next.value.type === 'finish') return { usage: next.value.usage, timedOut: false };
    }
  } catch {
    return { usage: undefined, timedOut: false };
  } finally {
    clearTimeout(timer);
  }
}
