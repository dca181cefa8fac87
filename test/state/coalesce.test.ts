// Folding queued health patches must give exactly what applying them one by one gives, from any starting record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalescePatches } from '../../src/state/coalesce.ts';
import { mergeHealth } from '../../src/state/merge.ts';
import type { HealthPatch } from '../../src/state/types.ts';
import type { HealthRecord } from '../../src/credentials/types.ts';
import { mulberry32 as rng } from '../../src/sim/rng.ts';

function randomPatch(r: () => number): HealthPatch {
  const at = 1_000 + Math.floor(r() * 100);
  switch (Math.floor(r() * 5)) {
    case 0:
      return { provider: 'p', at, add_uses: 1 };
    case 1:
      return { provider: 'p', at, state: 'ok', reason: null, until: null, last_success_at: at, add_successes: 1 };
    case 2:
      return {
        provider: 'p',
        at,
        state: 'cooling',
        reason: 'rate_limited',
        until: at + 60_000,
        last_failure_at: at,
        last_failure_kind: 'rate_limited',
        add_failures: 1,
      };
    case 3:
      return { provider: 'p', at, reset: true };
    default:
      return { provider: 'p', at, add_uses: 2, add_successes: 1 };
  }
}

function randomStart(r: () => number): HealthRecord | undefined {
  if (r() < 0.3) return undefined;
  const at = 1_000 + Math.floor(r() * 100);
  return mergeHealth(
    undefined,
    'fp',
    r() < 0.5
      ? { provider: 'p', at, state: 'cooling', reason: 'quota', until: at + 5_000, add_failures: 3 }
      : { provider: 'p', at, add_successes: 2, last_success_at: at },
  );
}

test('a folded pair of patches equals applying them in turn (5,000 random cases)', () => {
  const r = rng(42);
  let folded = 0;
  for (let i = 0; i < 5_000; i++) {
    const start = randomStart(r);
    const a = randomPatch(r);
    const b = randomPatch(r);
    const one = coalescePatches(a, b);
    if (!one) continue;
    folded++;
    assert.deepEqual(
      mergeHealth(start, 'fp', one),
      mergeHealth(mergeHealth(start, 'fp', a), 'fp', b),
      `case ${i}: ${JSON.stringify({ start, a, b })}`,
    );
  }
  assert.ok(folded > 500, 'the common use+success pairs do fold');
});

test('failures, cooldowns and resets are never folded', () => {
  const use: HealthPatch = { provider: 'p', at: 1, add_uses: 1 };
  assert.equal(coalescePatches(use, { provider: 'p', at: 2, reset: true }), undefined);
  assert.equal(
    coalescePatches(use, { provider: 'p', at: 2, state: 'cooling', reason: 'quota', until: 9, add_failures: 1 }),
    undefined,
  );
  assert.equal(coalescePatches(use, { provider: 'q', at: 2, add_uses: 1 }), undefined);
  // Taking a suspect key's probe moves its window: folding it into a use would lose that.
  assert.equal(coalescePatches(use, { provider: 'p', at: 2, probe_at: 30_002 }), undefined);
  assert.equal(coalescePatches({ provider: 'p', at: 2, probe_at: 30_002 }, use), undefined);
});
