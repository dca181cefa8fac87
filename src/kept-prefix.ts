// A fold over a conversation's messages kept from one turn to the next. An agent sends its whole conversation on every
// turn, and the messages an earlier turn sent come back as the same shared objects (shared-value.ts), so a later turn
// takes the fold's values for what it shares with the earlier one and folds only what it added: a 1 MB turn of ~800
// messages otherwise hashed each of them onto its prompt-cache prefix (credentials/affinity.ts) and counted each one's
// characters (routing/chain.ts) again. Kept weakly, under the last few messages of the shared run (an Anthropic caller
// moves its cache mark onto its newest message, so the last one comes back as another object); a turn that grew from
// a kept fold takes its place, so a conversation keeps one. A kept fold holds its conversation's messages (to check a
// later turn's prefix by identity) for as long as its last ones are held elsewhere: as the kept runs of
// providers/translate/shared-runs.ts do.
import { isShared } from './shared-value.ts';

/** One message more: the value after it, from the value before. */
export type FoldStep<S, M> = (before: S, message: M, index: number) => S;

/** What tells folds of different starts apart (a prefix chain's opening hash): compared by value. */
export type FoldScope = string | number | bigint;

interface Kept<S> {
  readonly scope: FoldScope;
  readonly messages: readonly object[];
  readonly values: readonly S[];
  readonly keys: readonly object[];
}

/** How many of a kept fold's last messages it is found by. */
const KEYS_PER_FOLD = 3;

/** How far back from a turn's last message a kept fold is looked for: what one turn may add (an assistant's call and
 * its tools' results). */
const LOOKED_BACK = 32;

/** One kind of fold, its kept values by message. */
export class KeptPrefixes<S> {
  readonly #kept = new WeakMap<object, Kept<S>>();

  /** The fold's value after each message of `messages`, from `initial`: the kept values of the longest prefix an
   * earlier turn shared, then one `step` for each message after it. What leads of shared messages is kept for the
   * next turn. */
  fold<M extends object>(scope: FoldScope, initial: S, messages: readonly M[], step: FoldStep<S, M>): readonly S[] {
    // A body not shared (a small one) has nothing kept, and keeps nothing: no lookup is made for it.
    if (messages.length === 0 || !isShared(messages[0]!)) return folded(initial, messages, step, []);
    const known = this.#prefix(scope, messages);
    const reused = known?.count ?? 0;
    const values = folded(initial, messages, step, known === undefined ? [] : known.kept.values.slice(0, reused));
    // The prefix taken from a kept fold was all shared messages: only the ones after it are looked up.
    let shared = Math.max(reused, 1);
    while (shared < messages.length && isShared(messages[shared]!)) shared++;
    this.#keep(scope, messages, values, shared, known?.kept);
    return values;
  }

  /** The kept fold sharing the longest prefix with `messages`, found by one of its keys near their end. */
  #prefix(scope: FoldScope, messages: readonly object[]): { kept: Kept<S>; count: number } | undefined {
    for (let i = messages.length - 1; i >= 0 && i >= messages.length - LOOKED_BACK; i--) {
      const kept = this.#kept.get(messages[i]!);
      if (kept === undefined || kept.scope !== scope || kept.messages[i] !== messages[i]) continue;
      if (samePrefix(kept.messages, messages, i)) return { kept, count: i + 1 };
    }
    return undefined;
  }

  /** Keeps the values over the `count` leading shared messages (a message not shared may change, so no value after it
   * is kept), found by its last few; the fold it grew from is forgotten. */
  #keep(
    scope: FoldScope,
    messages: readonly object[],
    values: readonly S[],
    count: number,
    grownFrom: Kept<S> | undefined,
  ): void {
    if (grownFrom !== undefined && grownFrom.messages.length >= count) return;
    if (grownFrom !== undefined)
      for (const key of grownFrom.keys) if (this.#kept.get(key) === grownFrom) this.#kept.delete(key);
    const whole = count === messages.length;
    const kept: Kept<S> = {
      scope,
      messages: messages.slice(0, count),
      // The caller only reads them: kept as they are when all of them are.
      values: whole ? values : values.slice(0, count),
      keys: messages.slice(Math.max(0, count - KEYS_PER_FOLD), count),
    };
    for (const key of kept.keys) this.#kept.set(key, kept);
  }
}

/** `values` (the fold over the first messages) carried on over the rest. */
function folded<S, M>(initial: S, messages: readonly M[], step: FoldStep<S, M>, values: S[]): S[] {
  let value = values.length > 0 ? values[values.length - 1]! : initial;
  for (let i = values.length; i < messages.length; i++) {
    value = step(value, messages[i]!, i);
    values.push(value);
  }
  return values;
}

function samePrefix(a: readonly object[], b: readonly object[], before: number): boolean {
  for (let i = 0; i < before; i++) if (a[i] !== b[i]) return false;
  return true;
}
