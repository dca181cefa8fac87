// CredentialPool over a real (in-memory) store: picking, rotation, warnings, reset and explain.
import { it, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialPool } from '../../src/credentials/pool.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import { loadedFrom, BASE } from './loaded.ts';

const K1 = 'sk-first-config-a1b2';
const K2 = 'sk-second-envkey-c3d4';
const K3 = 'sk-third-dotenv-e5f6';
let store: StateStore;
let clock = Date.UTC(2026, 4, 8, 10, 0, 0);

function setup(
  extra: Record<string, unknown> = {},
  env: Record<string, string> = { MIMO_API_KEY: K2 },
  dotenv: Record<string, string> = {},
) {
  store = openStore({ kind: 'memory' });
  const warnings: string[] = [];
  const loaded = loadedFrom(
    { providers: { mimo: { type: 'openai', base_url: BASE, api_key: K1 } }, ...extra },
    env,
    dotenv,
  );
  const pool = new CredentialPool({
    loaded,
    store,
    now: () => clock,
    onNotice: (n) => warnings.push(n.message),
    random: () => 0,
  });
  return { pool, warnings, loaded };
}

function picked(pool: CredentialPool, exclude?: Set<string>): string {
  const r = pool.pick('mimo', exclude ? { exclude } : {});
  assert.ok(r.ok, `expected a pick, got ${JSON.stringify(r)}`);
  return r.credential.secret;
}

/** Picks a credential and records that it answered, as the ladder does on success. */
function used(pool: CredentialPool): string {
  const r = pool.pick('mimo');
  assert.ok(r.ok, `expected a pick, got ${JSON.stringify(r)}`);
  pool.recordSuccess(r.credential);
  return r.credential.secret;
}

describe('CredentialPool', () => {
  // Inside the describe: a top-level hook would be every file's when files share a process.
  afterEach(() => store.close());
  it('uses the first credential, and rotates past excluded or cooling ones', () => {
    const { pool, warnings } = setup();
    assert.equal(picked(pool), K1);
    assert.equal(picked(pool, new Set([fingerprint(K1)])), K2);
    assert.deepEqual(warnings, [], 'a per-request exclusion is not a switch');
    pool.recordFailure(
      { provider: 'mimo', fingerprint: fingerprint(K1) },
      { kind: 'rate_limited', resetAt: clock + 30_000 },
    );
    const r = pool.pick('mimo');
    assert.ok(r.ok);
    assert.equal(r.credential.secret, K2);
    assert.equal(r.skipped[0]?.credential.fingerprint, fingerprint(K1));
    assert.match(r.skipped[0]?.why ?? '', /rate-limited until/);
  });

  it('warns once per change when the credential in use is not the first, naming both', () => {
    const { pool, warnings } = setup();
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'rate_limited' });
    used(pool);
    used(pool);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^mimo: config key sk-…a1b2 rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d; using env MIMO_API_KEY sk-…c3d4$/,
    );
    clock += 120_000; // cooldown over: back to the first, then a new switch warns again
    assert.equal(used(pool), K1);
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'quota' });
    used(pool);
    assert.equal(warnings.length, 2);
    assert.match(warnings[1]!, /out of quota/);
  });

  it('does not warn for a key that is only tried: the warning names the key that answered', () => {
    const { pool, warnings } = setup();
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'rate_limited' });
    picked(pool); // tried, never answered
    assert.equal(warnings.length, 0);
    used(pool);
    assert.equal(warnings.length, 1);
  });

  it('says missing, with where it looked, when there is no key', () => {
    const { pool } = setup({ providers: { mimo: { type: 'openai', base_url: BASE } } }, {});
    const r = pool.pick('mimo');
    assert.deepEqual(r, {
      ok: false,
      reason: 'missing',
      provider: 'mimo',
      lookedIn: ['providers.mimo.api_key', 'env MIMO_API_KEY', 'no .env at /nonexistent/.env'],
    });
  });

  it('says all_unusable with each state and the earliest deadline; never an empty key', () => {
    const { pool } = setup();
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'quota', resetAt: clock + 50_000 });
    pool.recordFailure(
      { provider: 'mimo', fingerprint: fingerprint(K2) },
      { kind: 'rate_limited', resetAt: clock + 20_000 },
    );
    const r = pool.pick('mimo');
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason === 'all_unusable');
    assert.equal(r.earliestUntil, clock + 20_000);
    assert.deepEqual(
      r.candidates.map((c) => c.health.reason),
      ['quota', 'rate_limited'],
    );
    assert.ok(!JSON.stringify(r).includes(K1) && !JSON.stringify(r).includes(K2));
  });

  it('lets exactly one caller probe a rejected key when its window comes', () => {
    const { pool } = setup({}, {});
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'auth_rejected' });
    assert.equal(pool.pick('mimo').ok, false);
    clock += 3_600_000;
    const probe = pool.pick('mimo');
    assert.ok(probe.ok && probe.probe);
    assert.equal(pool.pick('mimo').ok, false, 'the second caller does not probe');
    pool.recordSuccess(probe.credential);
    const back = pool.pick('mimo');
    assert.ok(back.ok && !back.probe);
  });

  it('probes a key resting as auth_suspect only when no other key is usable, one caller per window', () => {
    const { pool } = setup();
    const k1 = { provider: 'mimo', fingerprint: fingerprint(K1) };
    pool.recordSuccess(k1);
    pool.recordFailure(k1, { kind: 'auth_suspect' });
    clock += 30_000;
    const spare = pool.pick('mimo');
    assert.ok(spare.ok && spare.credential.secret === K2 && !spare.probe, 'the usable key first');
    pool.recordFailure(
      { provider: 'mimo', fingerprint: fingerprint(K2) },
      { kind: 'rate_limited', resetAt: clock + 600_000 },
    );
    assert.match(
      pool.explain('mimo').summary,
      /it rests as auth suspect, but no other key is usable and its single probe is due/,
    );
    const probe = pool.pick('mimo');
    assert.ok(
      probe.ok && probe.credential.secret === K1 && probe.probe,
      'nothing else usable: the suspect key, as a probe',
    );
    assert.equal(pool.pick('mimo').ok, false, 'the second caller does not probe');
    assert.equal(pool.pick('mimo', { exclude: new Set([fingerprint(K1)]) }).ok, false);
    clock += 30_000;
    assert.equal(pool.pick('mimo', { exclude: new Set([fingerprint(K1)]) }).ok, false, 'not twice within one call');
    pool.recordSuccess(probe.credential);
    const back = pool.pick('mimo');
    assert.ok(back.ok && back.credential.secret === K1 && !back.probe);
  });

  it('warns once when env and .env disagree, naming both masked values', () => {
    const { pool, warnings } = setup({}, { MIMO_API_KEY: K2 }, { MIMO_API_KEY: K3 });
    picked(pool);
    picked(pool);
    pool.explain('mimo');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MIMO_API_KEY.*sk-…c3d4.*sk-…e5f6.*environment's value wins/);
  });

  it('resets by fingerprint prefix, by label, or all', () => {
    const { pool } = setup();
    store.addStoredCredential({
      id: fingerprint('sk-stored-key-9999'),
      provider: 'mimo',
      secret: 'sk-stored-key-9999',
      priority: 0,
      label: 'backup',
    });
    for (const s of [K1, K2, 'sk-stored-key-9999'])
      pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(s) }, { kind: 'quota' });
    assert.deepEqual(pool.reset('mimo', fingerprint(K1).slice(0, 6)).reset, [fingerprint(K1)]);
    assert.equal(store.getHealth(fingerprint(K1))?.state, 'ok');
    assert.equal(store.getHealth(fingerprint(K2))?.state, 'cooling');
    assert.deepEqual(pool.reset('mimo', 'backup').reset, [fingerprint('sk-stored-key-9999')]);
    assert.throws(() => pool.reset('mimo', 'nothing-like-this'), /no credential of mimo matches/);
    // Only the key still set aside is said to be reset; the others were ok already.
    assert.deepEqual(pool.reset('mimo'), {
      reset: [fingerprint(K2)],
      already_ok: [fingerprint(K1), fingerprint('sk-stored-key-9999')],
      still_set_aside: [],
      shared: {},
    });
    assert.equal(store.getHealth(fingerprint(K2))?.state, 'ok');
  });

  it('resets a key whose health another provider recorded, and says who else holds it; a later failure stands', () => {
    const { pool } = setup(
      {
        providers: {
          mimo: { type: 'openai', base_url: BASE, api_key: K1 },
          other: { type: 'openai', base_url: BASE, api_key: K1 },
        },
      },
      {},
    );
    const fp = fingerprint(K1);
    pool.recordFailure({ provider: 'mimo', fingerprint: fp }, { kind: 'auth_rejected' });
    assert.equal(
      pool.candidates('other')[0]?.health.state,
      'rejected',
      'the listing of other reads the record mimo wrote',
    );
    assert.deepEqual(pool.reset('other', fp.slice(0, 5)), {
      reset: [fp],
      already_ok: [],
      still_set_aside: [],
      shared: { [fp]: ['mimo'] },
    });
    assert.equal(pool.candidates('other')[0]?.health.state, 'ok');
    assert.deepEqual(pool.reset('other', fp), { reset: [], already_ok: [fp], still_set_aside: [], shared: {} });
    // A failure stamped after the reset's time (another process, its clock ahead) is not undone, nor called undone.
    store.applyHealth(fp, { provider: 'mimo', at: clock + 60_000, state: 'rejected', until: clock + 3_600_000 });
    assert.deepEqual(pool.reset('other'), { reset: [], already_ok: [], still_set_aside: [fp], shared: {} });
  });

  it('explains every candidate in order and which is next, without secrets', () => {
    const { pool } = setup();
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'rate_limited' });
    const e = pool.explain('mimo');
    assert.deepEqual(
      e.candidates.map((c) => [c.position, c.usable, c.next]),
      [
        [1, false, false],
        [2, true, true],
      ],
    );
    assert.equal(e.next?.fingerprint, fingerprint(K2));
    assert.match(
      e.summary,
      /next request uses env MIMO_API_KEY sk-…c3d4 .*skipping config key sk-…a1b2 \(rate-limited until/,
    );
    assert.ok(!JSON.stringify(e).includes(K1) && !JSON.stringify(e).includes(K2));
    assert.equal(pool.pick('mimo').ok && pool.pick('mimo').ok, true, 'explain does not consume anything');
  });

  it('seed 001: after the config key is edited, the new key is first and the old one is gone', () => {
    const { pool } = setup();
    pool.recordFailure({ provider: 'mimo', fingerprint: fingerprint(K1) }, { kind: 'quota' });
    assert.equal(picked(pool), K2);
    pool.setConfig(
      loadedFrom(
        { providers: { mimo: { type: 'openai', base_url: BASE, api_key: 'sk-brand-new-key-7777' } } },
        { MIMO_API_KEY: K2 },
      ),
    );
    assert.equal(picked(pool), 'sk-brand-new-key-7777');
    assert.ok(!pool.candidates('mimo').some((c) => c.credential.fingerprint === fingerprint(K1)));
  });

  it('round_robin takes turns over usable credentials', () => {
    const { pool } = setup({ credentials: { strategy: 'round_robin' } }, { MIMO_API_KEY: K2 }, { MIMO_API_KEY: K3 });
    assert.deepEqual([picked(pool), picked(pool), picked(pool), picked(pool)], [K1, K2, K3, K1]);
  });

  it('least_used follows recorded uses', () => {
    const { pool } = setup({ credentials: { strategy: 'least_used' } });
    pool.recordUse({ provider: 'mimo', fingerprint: fingerprint(K1) });
    assert.equal(picked(pool), K2);
  });
});
