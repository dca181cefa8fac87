// `budgets.on_store_outage` as a table: what one replica may still use of a counter while the shared store does not
// answer, and where the counter stands as it sees it (src/state/budget-outage.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { outageCap, outageState } from '../../src/state/budget-outage.ts';
import type { StoreOutagePolicy } from '../../src/config/budgets-schema.ts';
import type { CounterState } from '../../src/state/budget-store.ts';

const READ: CounterState = { spent: 40, reserved: 20 };

const CAPS: [StoreOutagePolicy, boolean, CounterState | undefined, number, ReturnType<typeof outageCap>, string][] = [
  ['share', false, READ, 2, { cap: 20 }, 'what remained (100 − 40 − 20), halved between two replicas'],
  ['share', false, READ, 1, { cap: 40 }, 'a lone replica: all that remained'],
  ['share', false, READ, 0, { cap: 40 }, 'no count known: taken as one'],
  ['share', false, undefined, 4, { cap: 25 }, 'a counter never read (a new window): the limit, shared'],
  ['share', false, { spent: 120, reserved: 0 }, 2, { cap: 0 }, 'already over: nothing'],
  ['share', true, READ, 2, { cap: 20 }, 'soft budgets share alike (they warn, never refuse)'],
  ['local', false, READ, 2, { cap: 100 }, 'the whole limit, from zero'],
  ['refuse', false, READ, 2, { refuse: true }, 'fail closed'],
  ['refuse', true, READ, 2, { cap: 100 }, 'a soft budget never refuses'],
];

for (const [policy, soft, read, replicas, expected, why] of CAPS)
  it(`${policy}${soft ? ' (soft)' : ''}, ${replicas} replica(s): ${why}`, () => {
    assert.deepEqual(outageCap(policy, 100, soft, read, replicas), expected);
  });

it('a counter during an outage: the last read plus own use, or (local) own use alone', () => {
  const own = { spent: 5, reserved: 3 };
  assert.deepEqual(outageState('share', READ, own), { spent: 45, reserved: 23 });
  assert.deepEqual(outageState('refuse', READ, own), { spent: 45, reserved: 23 });
  assert.deepEqual(outageState('share', undefined, own), own);
  assert.deepEqual(outageState('local', READ, own), own);
});
