// A prompt's tokens: each message's text counted apart and summed, at least 1. A shared message (an earlier turn's,
// shared-value.ts) is counted once and its count kept, so an agent's later turns count only their new messages —
// whether the count was awaited (billing's estimates, estimate.ts) or made at once (what a parse decides on:
// Anthropic compaction's trigger, gateway/wire/anthropic/compaction.ts).
import { Buffer } from 'node:buffer';
import type { ChatMessage } from '../providers/types.ts';
import { isShared } from '../shared-value.ts';
import { countTextTokens, countTextTokensLater } from './count-tokens.ts';

/** Shared messages' text tokens. */
const KEPT = new WeakMap<ChatMessage, number>();

function kept(m: ChatMessage, n: number): number {
  if (isShared(m)) KEPT.set(m, n);
  return n;
}

/** The prompt's tokens, counted on the count worker while the event loop serves others. */
export async function promptTokensLater(messages: readonly ChatMessage[]): Promise<number> {
  const counts: (number | Promise<number>)[] = [];
  for (const m of messages) {
    const text = m.content;
    if (text !== null) counts.push(KEPT.get(m) ?? countTextTokensLater(text).then((n) => kept(m, n)));
  }
  let n = 0;
  for (const c of await Promise.all(counts)) n += c;
  return Math.max(1, n);
}

/** The prompt's tokens, blocking until they are counted. */
export function promptTokensNow(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) {
    const text = m.content;
    if (text !== null) n += KEPT.get(m) ?? kept(m, countTextTokens(text));
  }
  return Math.max(1, n);
}

/** An upper bound of the prompt's tokens, without counting: a token is at least one of the UTF-8 bytes it stands for. */
export function promptTokensAtMost(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) if (m.content !== null) n += Buffer.byteLength(m.content);
  return Math.max(1, n);
}
