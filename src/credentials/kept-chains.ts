// A conversation's prefix chain (prefix-chain.ts) kept from one turn to the next. An agent sends its whole conversation
// on every turn, and the messages an earlier turn sent come back as the same shared objects (shared-value.ts), so a
// later turn takes the chain's states for what it shares with the earlier one and hashes only what it added: a 1 MB
// turn of ~800 messages hashed each of them again, ~0.15 ms a request. Kept weakly, under the last few messages of
// the shared run (an Anthropic caller moves its cache mark onto its newest message, so the last one comes back as
// another object); a turn that grew from a kept chain takes its place, so a conversation keeps one.
import { isShared } from '../shared-value.ts';
import type { PrefixState } from './prefix-chain.ts';

/** The chain after each message: `states[i]` the state after message i, `sizes[i]` the size of messages 0 to i. */
export interface Chained {
  readonly states: readonly PrefixState[];
  readonly sizes: readonly number[];
}

/** One message more on the chain: the state after it, and its size. */
export type ChainStep<M> = (state: PrefixState, message: M, index: number) => { state: PrefixState; size: number };

interface Kept {
  readonly start: PrefixState;
  readonly messages: readonly object[];
  readonly states: readonly PrefixState[];
  readonly sizes: readonly number[];
  readonly keys: readonly object[];
}

const KEPT = new WeakMap<object, Kept>();

/** How many of a kept chain's last messages it is found by. */
const KEYS_PER_CHAIN = 3;

/** How far back from a turn's last message a kept chain is looked for: what one turn may add (an assistant's call
 * and its tools' results). */
const LOOKED_BACK = 32;

/** The chain over `messages` from `start`: the kept states of the longest prefix an earlier turn shared, then one
 * `step` for each message after it. What leads of shared messages is kept for the next turn. */
export function chained<M extends object>(start: PrefixState, messages: readonly M[], step: ChainStep<M>): Chained {
  const known = keptPrefix(start, messages);
  const reused = known?.count ?? 0;
  const states = known === undefined ? [] : known.kept.states.slice(0, reused);
  const sizes = known === undefined ? [] : known.kept.sizes.slice(0, reused);
  let state = reused > 0 ? states[reused - 1]! : start;
  let size = reused > 0 ? sizes[reused - 1]! : 0;
  for (let i = reused; i < messages.length; i++) {
    const next = step(state, messages[i]!, i);
    state = next.state;
    size += next.size;
    states.push(state);
    sizes.push(size);
  }
  // The prefix taken from a kept chain was all shared messages: only the ones after it are looked up.
  let shared = reused;
  while (shared < messages.length && isShared(messages[shared]!)) shared++;
  keep(start, messages, { states, sizes }, shared, known?.kept);
  return { states, sizes };
}

/** The kept chain sharing the longest prefix with `messages`, found by one of its keys near their end. */
function keptPrefix(start: PrefixState, messages: readonly object[]): { kept: Kept; count: number } | undefined {
  for (let i = messages.length - 1; i >= 0 && i >= messages.length - LOOKED_BACK; i--) {
    const kept = KEPT.get(messages[i]!);
    if (kept === undefined || kept.start !== start || kept.messages[i] !== messages[i]) continue;
    if (samePrefix(kept.messages, messages, i)) return { kept, count: i + 1 };
  }
  return undefined;
}

function samePrefix(a: readonly object[], b: readonly object[], before: number): boolean {
  for (let i = 0; i < before; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Keeps the chain over the `count` leading shared messages (a message not shared may change, so no state after it
 * is kept), found by its last few; the chain it grew from is forgotten. */
function keep(
  start: PrefixState,
  messages: readonly object[],
  chain: Chained,
  count: number,
  grownFrom: Kept | undefined,
): void {
  if (count === 0 || (grownFrom !== undefined && grownFrom.messages.length >= count)) return;
  if (grownFrom !== undefined) for (const key of grownFrom.keys) if (KEPT.get(key) === grownFrom) KEPT.delete(key);
  const whole = count === messages.length;
  const kept: Kept = {
    start,
    messages: messages.slice(0, count),
    // The caller only reads them: kept as they are when all of them are.
    states: whole ? chain.states : chain.states.slice(0, count),
    sizes: whole ? chain.sizes : chain.sizes.slice(0, count),
    keys: messages.slice(Math.max(0, count - KEYS_PER_CHAIN), count),
  };
  for (const key of kept.keys) KEPT.set(key, kept);
}
