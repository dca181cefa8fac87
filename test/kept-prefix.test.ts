// Folds over a conversation's messages kept from one turn to the next (kept-prefix.ts): a later turn folds only the
// shared messages it added, and its values are always the whole fold's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeptPrefixes } from '../src/kept-prefix.ts';
import { share } from '../src/shared-value.ts';
import { estimateTokens } from '../src/routing/chain.ts';
import type { ChatMessage } from '../src/providers/types.ts';

interface Msg {
  text: string;
}

/** A fold of the texts' lengths that counts its steps. */
function counting(): {
  fold: (scope: number, list: readonly Msg[]) => readonly number[];
  steps: () => number;
} {
  const folds = new KeptPrefixes<number>();
  let steps = 0;
  return {
    fold: (scope, list) =>
      folds.fold(scope, 0, list, (n, m) => {
        steps++;
        return n + m.text.length;
      }),
    steps: () => {
      const n = steps;
      steps = 0;
      return n;
    },
  };
}

const lengths = (list: readonly Msg[]) =>
  list.map((_, i) => list.slice(0, i + 1).reduce((n, m) => n + m.text.length, 0));
const turn = (n: number) => Array.from({ length: n }, (_, i) => share({ text: `message ${i} `.repeat(i + 1) }));

describe('kept prefixes', () => {
  it('a later turn folds only the messages it added', () => {
    const f = counting();
    const messages = turn(12);
    assert.deepEqual(f.fold(1, messages.slice(0, 8)), lengths(messages.slice(0, 8)));
    assert.equal(f.steps(), 8);
    assert.deepEqual(f.fold(1, messages), lengths(messages));
    assert.equal(f.steps(), 4);
    // The same turn again (a retry): nothing folded.
    assert.deepEqual(f.fold(1, messages), lengths(messages));
    assert.equal(f.steps(), 0);
  });

  it('another scope, a message changed in the middle, or messages not shared are folded whole', () => {
    const f = counting();
    const messages = turn(10);
    f.fold(1, messages);
    f.steps();
    assert.deepEqual(f.fold(2, messages), lengths(messages));
    assert.equal(f.steps(), 10, 'another scope');
    const edited = [...messages.slice(0, 4), share({ text: 'changed' }), ...messages.slice(5)];
    assert.deepEqual(f.fold(1, edited), lengths(edited));
    assert.equal(f.steps(), 10, 'the kept fold is found by its last messages, then refused for the changed one');
    const loose = messages.map((m) => ({ ...m }));
    assert.deepEqual(f.fold(1, loose), lengths(loose));
    assert.equal(f.steps(), 10, 'not shared');
  });

  it('a turn whose last messages came back changed (a moved cache mark) takes the fold up to them', () => {
    const f = counting();
    const messages = turn(10);
    f.fold(1, messages);
    f.steps();
    const next = [...messages.slice(0, 9), share({ ...messages[9]! }), ...turn(12).slice(10)];
    assert.deepEqual(f.fold(1, next), lengths(next));
    assert.equal(f.steps(), 3);
  });

  it("a prompt's estimate is the same whether its conversation was kept or not", () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'fix the test' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'read', arguments: '{"path":"a.ts"}' }] },
      { role: 'tool', content: 'export const a = 1;', tool_call_id: 'c1' },
    ];
    const shared = messages.map((m) => share({ ...m }));
    const whole = estimateTokens(structuredClone(messages));
    assert.equal(estimateTokens(shared.slice(0, 2)), estimateTokens(structuredClone(messages.slice(0, 2))));
    assert.equal(estimateTokens(shared), whole);
    assert.equal(estimateTokens(shared), whole);
    assert.equal(estimateTokens(shared, 7), 7, "the caller's own estimate stands");
  });
});
