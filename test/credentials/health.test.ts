// Every row of the SPEC §2 health table, as pure functions.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { failurePatch, probePatch, successPatch, usability, usePatch } from '../../src/credentials/health.ts';
import { mergeHealth, emptyHealth } from '../../src/state/merge.ts';
import type { HealthRecord } from '../../src/credentials/types.ts';
import { cooldownsSchema } from '../../src/config/schema.ts';

const cooldowns = cooldownsSchema.parse({});
const NOW = Date.UTC(2026, 0, 1, 10, 0, 0);
const fresh = (): HealthRecord => emptyHealth('fp', 'p');
const knownGood = (): HealthRecord => ({ ...fresh(), last_success_at: NOW - 1000, successes: 1 });
const apply = (r: HealthRecord, patch: ReturnType<typeof successPatch>): HealthRecord => mergeHealth(r, 'fp', patch);

describe('health table', () => {
  it('ok is the default and usable', () => {
    assert.deepEqual(usability(undefined, NOW), { usable: true, probe: false });
    assert.equal(usability(fresh(), NOW).usable, true);
  });

  it('a success sets ok and last_success_at (known-good), from any state', () => {
    const cooling = apply(fresh(), failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p'));
    const r = apply(cooling, successPatch('p', NOW + 5));
    assert.equal(r.state, 'ok');
    assert.equal(r.last_success_at, NOW + 5);
    assert.equal(r.until, undefined);
    assert.equal(r.successes, 1);
  });

  it('429 cools rate_limited until the server reset time', () => {
    const r = apply(fresh(), failurePatch(fresh(), { kind: 'rate_limited', resetAt: NOW + 7000 }, cooldowns, NOW, 'p'));
    assert.deepEqual([r.state, r.reason, r.until, r.failures], ['cooling', 'rate_limited', NOW + 7000, 1]);
    const u = usability(r, NOW);
    assert.equal(u.usable, false);
    assert.match(u.why ?? '', /^rate-limited until \d\d:\d\d:\d\d$/);
    assert.equal(usability(r, NOW + 7000).usable, true, 'usable again once the deadline passes');
  });

  it('429 without a reset time cools for cooldowns.rate_limited', () => {
    const p = failurePatch(fresh(), { kind: 'rate_limited' }, cooldowns, NOW, 'p');
    assert.equal(p.until, NOW + cooldowns.rate_limited);
    assert.equal(p.last_failure_kind, 'rate_limited');
  });

  it('quota cools for the server reset or cooldowns.quota', () => {
    assert.equal(failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p').until, NOW + cooldowns.quota);
    assert.equal(failurePatch(fresh(), { kind: 'quota', resetAt: NOW + 5000 }, cooldowns, NOW, 'p').until, NOW + 5000);
    assert.match(usability(apply(fresh(), failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p')), NOW).why ?? '', /out of quota/);
  });

  it('a new cooldown never shortens an existing one', () => {
    const quota = apply(fresh(), failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p'));
    const p = failurePatch(quota, { kind: 'rate_limited', resetAt: NOW + 2000 }, cooldowns, NOW + 1, 'p');
    assert.equal(p.until, NOW + cooldowns.quota);
    assert.equal(p.reason, 'quota');
    const longer = failurePatch(quota, { kind: 'rate_limited', resetAt: NOW + cooldowns.quota * 2 }, cooldowns, NOW + 1, 'p');
    assert.equal(longer.until, NOW + cooldowns.quota * 2);
  });

  it('auth_suspect (known-good key still rejected after retries) cools for cooldowns.auth_suspect', () => {
    const r = apply(knownGood(), failurePatch(knownGood(), { kind: 'auth_suspect' }, cooldowns, NOW, 'p'));
    assert.deepEqual([r.state, r.reason, r.until], ['cooling', 'auth_suspect', NOW + cooldowns.auth_suspect]);
    assert.equal(r.last_failure_kind, 'auth_rejected');
  });

  it('a known-good key answering 401 is only counted (the ladder retries it before calling it suspect)', () => {
    const r = apply(knownGood(), failurePatch(knownGood(), { kind: 'auth_rejected' }, cooldowns, NOW, 'p'));
    assert.equal(r.state, 'ok');
    assert.equal(r.failures, 1);
  });

  it('a never-successful key answering 401/403 is rejected, with one probe per cooldowns.rejected', () => {
    const r = apply(fresh(), failurePatch(fresh(), { kind: 'auth_rejected', message: 'invalid key' }, cooldowns, NOW, 'p'));
    assert.deepEqual([r.state, r.until, r.last_failure_message], ['rejected', NOW + cooldowns.rejected, 'invalid key']);
    assert.equal(usability(r, NOW).usable, false);
    assert.match(usability(r, NOW).why ?? '', /rejected \(never accepted\); next probe at/);
    const due = usability(r, NOW + cooldowns.rejected);
    assert.deepEqual([due.usable, due.probe], [true, true]);
    // Taking the probe pushes the window, so a second caller does not probe too.
    const probing = apply(r, probePatch('p', cooldowns, NOW + cooldowns.rejected));
    assert.equal(usability(probing, NOW + cooldowns.rejected).usable, false);
    // A probe that succeeds brings the key back by itself.
    assert.equal(apply(probing, successPatch('p', NOW + cooldowns.rejected + 10)).state, 'ok');
  });

  it('a use is only counted', () => {
    const r = apply(fresh(), usePatch('p', NOW));
    assert.deepEqual([r.state, r.uses], ['ok', 1]);
  });

  it('a reset returns any state to ok, but not a state recorded after it', () => {
    const rejected = apply(fresh(), failurePatch(fresh(), { kind: 'auth_rejected' }, cooldowns, NOW, 'p'));
    const reset = mergeHealth(rejected, 'fp', { provider: 'p', at: NOW + 1, reset: true });
    assert.equal(reset.state, 'ok');
    assert.equal(mergeHealth(rejected, 'fp', { provider: 'p', at: NOW - 1, reset: true }).state, 'rejected');
  });
});
