// Which record decides a credential's use on a route: its own (a rejection rests it in every region), else its
// region's (a throttle there), shown as the credential's; a provider with no region reads its own only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthKey, regionalKey, splitRegionalKey, standingHealth } from '../../src/credentials/scoped-health.ts';
import type { HealthRecord } from '../../src/credentials/types.ts';
import { emptyHealth } from '../../src/state/merge.ts';

const NOW = 1_800_000_000_000;
const FP = 'a1b2c3d4e5f6';
const cred = { fingerprint: FP, provider: 'east', region: 'us-east-1' };

const record = (key: string, patch: Partial<HealthRecord>): HealthRecord => ({ ...emptyHealth(key, 'east'), ...patch });
const store = (records: HealthRecord[]) => ({
  getHealth: (key: string) => records.find((r) => r.fingerprint === key),
});

const throttled = record(regionalKey(FP, 'us-east-1'), {
  state: 'cooling',
  reason: 'rate_limited',
  until: NOW + 60_000,
  last_failure_kind: 'rate_limited',
});
const knownGood = record(FP, { last_success_at: NOW - 1_000, successes: 7 });

test('a region keeps its rest under FINGERPRINT@REGION; a credential-wide one and a regionless key use the fingerprint', () => {
  assert.equal(healthKey(cred, 'region'), `${FP}@us-east-1`);
  assert.equal(healthKey(cred, 'credential'), FP);
  assert.equal(healthKey({ fingerprint: FP }, 'region'), FP);
  assert.deepEqual(splitRegionalKey(`${FP}@us-east-1`), { fingerprint: FP, region: 'us-east-1' });
  assert.equal(splitRegionalKey(FP), undefined);
});

test("the region's rest decides when the credential itself is fine, read as the credential's record", () => {
  const standing = standingHealth(store([knownGood, throttled]), cred, NOW);
  assert.equal(standing.key, `${FP}@us-east-1`);
  assert.equal(standing.region, 'us-east-1');
  assert.deepEqual(
    [standing.record.fingerprint, standing.record.state, standing.record.reason, standing.record.until],
    [FP, 'cooling', 'rate_limited', NOW + 60_000],
  );
  assert.equal(standing.record.successes, 7, "the credential's counters and last success are kept");
  assert.equal(standing.record.last_success_at, NOW - 1_000);
});

test('the same credential in another region, or with no region, is not rested by it', () => {
  for (const other of [
    { ...cred, region: 'us-west-2' },
    { fingerprint: FP, provider: 'east' },
  ]) {
    const standing = standingHealth(store([knownGood, throttled]), other, NOW);
    assert.deepEqual([standing.key, standing.record.state, standing.region], [FP, 'ok', undefined]);
  }
});

test("a rejected credential is rejected in every region: its own record decides over its region's", () => {
  const rejected = record(FP, { state: 'rejected', until: NOW + 3_600_000 });
  const standing = standingHealth(store([rejected, throttled]), cred, NOW);
  assert.deepEqual([standing.key, standing.record.state, standing.region], [FP, 'rejected', undefined]);
});
