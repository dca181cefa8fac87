// Every row of the docs/credentials.md health table, as pure functions.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  authVerdict,
  failurePatch,
  probePatch,
  successPatch,
  suspectProbeInterval,
  suspectSince,
  usability,
  usePatch,
} from '../../src/credentials/health.ts';
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
    assert.match(u.why ?? '', /^rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$/);
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
    assert.match(
      usability(apply(fresh(), failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p')), NOW).why ?? '',
      /out of quota/,
    );
  });

  it('a new cooldown never shortens an existing one', () => {
    const quota = apply(fresh(), failurePatch(fresh(), { kind: 'quota' }, cooldowns, NOW, 'p'));
    const p = failurePatch(quota, { kind: 'rate_limited', resetAt: NOW + 2000 }, cooldowns, NOW + 1, 'p');
    assert.equal(p.until, NOW + cooldowns.quota);
    assert.equal(p.reason, 'quota');
    const longer = failurePatch(
      quota,
      { kind: 'rate_limited', resetAt: NOW + cooldowns.quota * 2 },
      cooldowns,
      NOW + 1,
      'p',
    );
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

  it('a never-successful key answering 401/403 is rejected, probed 30 s later, then twice as late each time, up to cooldowns.rejected', () => {
    const r = apply(
      fresh(),
      failurePatch(fresh(), { kind: 'auth_rejected', message: 'invalid key' }, cooldowns, NOW, 'p'),
    );
    assert.deepEqual([r.state, r.until, r.last_failure_message], ['rejected', NOW + 30_000, 'invalid key']);
    assert.equal(usability(r, NOW).usable, false);
    assert.match(usability(r, NOW).why ?? '', /rejected \(never accepted\); next probe at/);
    // The same as its parts, for a line naming several keys, which joins them otherwise.
    assert.deepEqual(usability(r, NOW).whyParts?.[0], 'rejected (never accepted)');
    assert.match(usability(r, NOW).whyParts?.[1] ?? '', /^next probe at \d\d:\d\d:\d\d$/);
    const due = usability(r, NOW + 30_000);
    assert.deepEqual([due.usable, due.probe], [true, true]);
    assert.deepEqual(due.whyParts, ['rejected (never accepted)', 'one probe is due']);
    // Taking the probe pushes the window, so a second caller does not probe too.
    const probing = apply(r, probePatch(r, 'p', cooldowns, NOW + 30_000));
    assert.equal(usability(probing, NOW + 30_000).usable, false);
    // A probe that succeeds brings the key back by itself.
    assert.equal(apply(probing, successPatch('p', NOW + 30_010)).state, 'ok');
    // Rejected again, it waits twice as long each time, and never longer than cooldowns.rejected.
    let at = NOW + 30_010;
    let record = apply(probing, failurePatch(probing, { kind: 'auth_rejected' }, cooldowns, at, 'p'));
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      waits.push(record.until! - at);
      at = record.until!;
      const taken = apply(record, probePatch(record, 'p', cooldowns, at));
      record = apply(taken, failurePatch(taken, { kind: 'auth_rejected' }, cooldowns, at, 'p'));
    }
    assert.deepEqual(
      waits.map((ms) => ms / 1000),
      [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600],
    );
  });

  it('a rejected key sent again once its wait is over, with no probe taken (an MCP server key), waits twice as long; a late rejection from before keeps the wait', () => {
    const r = apply(fresh(), failurePatch(fresh(), { kind: 'auth_rejected' }, cooldowns, NOW, 'p'));
    const late = apply(r, failurePatch(r, { kind: 'auth_rejected' }, cooldowns, NOW + 1_000, 'p'));
    assert.equal(late.until, NOW + 1_000 + 30_000, 'a call sent before the rejection: the wait stands');
    const at = late.until!;
    const again = apply(late, failurePatch(late, { kind: 'auth_rejected' }, cooldowns, at, 'p'));
    assert.equal(again.until, at + 60_000);
  });

  it('a rejected key is first probed within cooldowns.rejected when that is shorter than 30 s', () => {
    const short = cooldownsSchema.parse({ rejected: '10s' });
    const r = apply(fresh(), failurePatch(fresh(), { kind: 'auth_rejected' }, short, NOW, 'p'));
    assert.equal(r.until, NOW + 10_000);
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

  it('a suspect key is probed once per suspectProbeInterval (30 s by default) when nothing else is usable; its cooldown stands', () => {
    assert.equal(suspectProbeInterval(cooldowns), 30_000);
    assert.equal(suspectProbeInterval({ ...cooldowns, auth_suspect: 60_000 }), 6_000, 'a tenth of a shorter cooldown');
    const suspect = apply(knownGood(), failurePatch(knownGood(), { kind: 'auth_suspect' }, cooldowns, NOW, 'p'));
    assert.equal(suspect.probe_at, NOW + 30_000);
    const early = usability(suspect, NOW + 29_999);
    assert.deepEqual([early.usable, early.probe], [false, false]);
    const due = usability(suspect, NOW + 30_000);
    assert.deepEqual(
      [due.usable, due.probe, due.until],
      [false, true, NOW + cooldowns.auth_suspect],
      'not usable: probed only as a last resort',
    );
    // Taking the probe moves the next one away; the cooldown's end and the time it began are untouched.
    const taken = apply(suspect, probePatch(suspect, 'p', cooldowns, NOW + 30_000));
    assert.deepEqual(
      [taken.probe_at, taken.until, taken.state_at, taken.reason],
      [NOW + 60_000, NOW + cooldowns.auth_suspect, NOW, 'auth_suspect'],
    );
    assert.equal(usability(taken, NOW + 30_001).probe, false, 'one caller probes');
    // A success brings it back; a probe that fails again only counts.
    assert.equal(apply(taken, successPatch('p', NOW + 30_100, NOW + 30_000)).state, 'ok');
    assert.equal(apply(taken, successPatch('p', NOW + 30_100, NOW + 30_000)).probe_at, undefined);
    const failed = apply(taken, failurePatch(taken, { kind: 'auth_rejected' }, cooldowns, NOW + 30_100, 'p'));
    assert.deepEqual(
      [failed.state, failed.reason, failed.until],
      ['cooling', 'auth_suspect', NOW + cooldowns.auth_suspect],
    );
  });

  it('authVerdict: what a rejection means, from the health before it', () => {
    assert.equal(authVerdict(undefined, NOW), 'never_accepted');
    assert.equal(authVerdict(fresh(), NOW), 'never_accepted');
    assert.equal(authVerdict(knownGood(), NOW), 'known_good');
    const suspect = apply(knownGood(), failurePatch(knownGood(), { kind: 'auth_suspect' }, cooldowns, NOW, 'p'));
    assert.equal(authVerdict(suspect, NOW + 1000), 'suspect_probe', 'inside its cooldown: its probe');
    assert.equal(
      authVerdict(suspect, NOW + cooldowns.auth_suspect),
      'revoked',
      'suspicion over, no success since, rejected again',
    );
    assert.equal(suspectSince(suspect), NOW);
    // A call sent before the suspicion that answered after it: the key did work since.
    const answered = apply(suspect, successPatch('p', NOW + 500, NOW - 500));
    assert.equal(answered.state, 'cooling');
    assert.equal(authVerdict(answered, NOW + cooldowns.auth_suspect), 'known_good');
    const revoked = apply(
      suspect,
      failurePatch(suspect, { kind: 'auth_revoked' }, cooldowns, NOW + cooldowns.auth_suspect, 'p'),
    );
    assert.equal(
      authVerdict(revoked, NOW + cooldowns.auth_suspect + cooldowns.rejected),
      'revoked',
      'its probe as a rejected key fails: still revoked',
    );
    const reset = mergeHealth(suspect, 'fp', { provider: 'p', at: NOW + 1, reset: true });
    assert.equal(authVerdict(reset, NOW + cooldowns.auth_suspect), 'known_good', '`auth reset` is a fresh start');
  });

  it('auth_revoked: a known-good key is rejected at once, with one probe per cooldowns.rejected, and says it worked before', () => {
    const r = apply(
      knownGood(),
      failurePatch(knownGood(), { kind: 'auth_revoked', message: 'Invalid API Key' }, cooldowns, NOW, 'p'),
    );
    assert.deepEqual(
      [r.state, r.until, r.last_failure_kind, r.last_failure_message],
      ['rejected', NOW + cooldowns.rejected, 'auth_rejected', 'Invalid API Key'],
    );
    assert.match(usability(r, NOW).why ?? '', /^rejected \(worked before; probably revoked\); next probe at/);
    assert.deepEqual(
      [usability(r, NOW + cooldowns.rejected).usable, usability(r, NOW + cooldowns.rejected).probe],
      [true, true],
    );
  });
});
