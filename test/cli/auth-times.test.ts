// `switchyard auth explain` / `auth list` as a child process against keys in different states: every time that is
// far from now, or on another day, carries its date (one formatter: formatClock in src/errors/explain-format.ts).
// Times near now are only checked for their shape: the test does not control the clock, and near midnight a time
// minutes away is rightly dated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import { formatClock } from '../../src/errors/explain-format.ts';

const COOLING = 'sk-times-cooling-00000001';
const QUOTA = 'sk-times-quota-0000000002';
const REJECTED = 'sk-times-rejected-0000003';
const OLD_SUCCESS = 'sk-times-old-success-0004';
const ONLY = 'sk-times-only-key-0000005';
const H = 3_600_000;
const D = 24 * H;

/** `2026-11-23 00:00:00` in UTC (the CLI runs with TZ=UTC). */
const dated = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const CLOCK = String.raw`(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d`;

test("auth explain and auth list date every time far from now; the summary's skip reasons too", async () => {
  const ws = tempWorkspace('switchyard-auth-times-');
  try {
    const keys = [COOLING, QUOTA, REJECTED, OLD_SUCCESS];
    ws.write(
      'switchyard.yaml',
      `providers:\n  mimo:\n    type: openai\n    base_url: http://127.0.0.1:9/v1\n    api_keys: [${keys.join(', ')}]\n  spent:\n    type: openai\n    base_url: http://127.0.0.1:9/v1\n    api_key: ${ONLY}\nmain: { provider: mimo, model: m }\n`,
    );
    const now = Date.now();
    const quotaUntil = now + 20 * H;
    const rejectedLastWorked = now - 3 * D;
    const oldSuccess = now - 4 * D;
    const store = openStore({ home: ws.home });
    store.applyHealth(fingerprint(COOLING), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'rate_limited',
      until: now + 4 * 60_000,
      last_success_at: now - 30 * 60_000,
    });
    store.applyHealth(fingerprint(QUOTA), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'quota',
      until: quotaUntil,
    });
    store.applyHealth(fingerprint(REJECTED), {
      provider: 'mimo',
      at: now - D,
      state: 'rejected',
      until: now + 20 * 60_000,
      last_success_at: rejectedLastWorked,
      last_failure_at: now - D,
    });
    store.applyHealth(fingerprint(OLD_SUCCESS), {
      provider: 'mimo',
      at: now,
      add_successes: 1,
      last_success_at: oldSuccess,
    });
    store.applyHealth(fingerprint(ONLY), {
      provider: 'spent',
      at: now,
      state: 'cooling',
      reason: 'quota',
      until: quotaUntil,
    });
    await store.flush();
    await store.close();
    // Spawned (runCli): the time zone the times are shown in is the process's (TZ), not a run's.
    const env = { SWITCHYARD_HOME: ws.home, TZ: 'UTC' };
    const config = ['-c', join(ws.dir, 'switchyard.yaml')];

    const explained = await runCli([...config, 'auth', 'explain', 'mimo'], { env });
    assert.equal(explained.code, 0, explained.stderr);
    const rows = explained.stdout.split('\n');
    const row = (masked: string): string => rows.find((l) => l.includes(masked)) ?? '';
    assert.match(row('sk-…0001'), new RegExp(`cooling: rate_limited +${CLOCK} +${CLOCK}`));
    assert.match(row('sk-…0002'), new RegExp(`cooling: quota +${dated(quotaUntil)} +never`));
    assert.match(row('sk-…0003'), new RegExp(`rejected +${CLOCK} +${dated(rejectedLastWorked)}`));
    assert.match(row('sk-…0004'), new RegExp(`ok +- +${dated(oldSuccess)}`));
    // The reasons a key is skipped, in the summary line, say the date of a time tomorrow as the table does.
    assert.match(explained.stdout, new RegExp(`sk-…0002 \\(out of quota until ${dated(quotaUntil)}\\)`));
    assert.match(explained.stdout, new RegExp(`sk-…0001 \\(rate-limited until ${CLOCK}\\)`));

    // No usable key: when the first comes back, dated.
    const spent = await runCli([...config, 'auth', 'explain', 'spent'], { env });
    assert.equal(spent.code, 0, spent.stderr);
    assert.match(
      spent.stdout,
      new RegExp(`every credential of spent is unusable; the first comes back at ${dated(quotaUntil)} `),
    );

    const listed = await runCli([...config, 'auth', 'list'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(dated(quotaUntil)));
    assert.ok(listed.stdout.includes(dated(oldSuccess)));
  } finally {
    ws.cleanup();
  }
});

test('auth explain: "the first comes back at" is the time its table shows for that key (a suspect key\'s probe)', async () => {
  const ws = tempWorkspace('switchyard-auth-times-');
  try {
    ws.write(
      'switchyard.yaml',
      `providers:\n  mimo:\n    type: openai\n    base_url: http://127.0.0.1:9/v1\n    api_keys: [${COOLING}, ${QUOTA}]\nmain: { provider: mimo, model: m }\n`,
    );
    const now = Date.now();
    const store = openStore({ home: ws.home });
    // Resting as auth suspect for 5 minutes, probed once in 30 s; the other key out of quota for longer.
    store.applyHealth(fingerprint(COOLING), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'auth_suspect',
      until: now + 5 * 60_000,
      probe_at: now + 30_000,
      last_success_at: now - 60_000,
    });
    store.applyHealth(fingerprint(QUOTA), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'quota',
      until: now + 20 * H,
    });
    await store.flush();
    await store.close();
    const r = await runCli(['-c', join(ws.dir, 'switchyard.yaml'), 'auth', 'explain', 'mimo'], {
      env: { SWITCHYARD_HOME: ws.home, TZ: 'UTC' },
    });
    assert.equal(r.code, 0, r.stderr);
    const back = new RegExp(
      `the first comes back at (${CLOCK}) \\(config api_keys\\[0\\] sk-…0001: its single probe as auth suspect; or run`,
    ).exec(r.stdout)?.[1];
    assert.ok(back, r.stdout);
    const row = r.stdout.split('\n').find((l) => l.includes('sk-…0001')) ?? '';
    assert.match(row, new RegExp(`cooling: auth_suspect +${CLOCK} \\(probe ${back}\\)`), 'the row shows the same time');
  } finally {
    ws.cleanup();
  }
});

test('formatClock: the clock alone only within 12 h of now on the same day, else with the date', () => {
  const now = Date.UTC(2026, 10, 22, 23, 50, 0);
  const utc = { now, timeZone: 'UTC', seconds: true };
  assert.equal(formatClock(now + 4 * 60_000 - 10 * 60_000, utc), '23:44:00');
  assert.equal(formatClock(Date.UTC(2026, 10, 22, 12, 0, 0), utc), '12:00:00', 'same day, under 12 h ago');
  assert.equal(formatClock(Date.UTC(2026, 10, 22, 0, 40, 0), utc), '2026-11-22 00:40:00', 'same day but 23 h ago');
  assert.equal(
    formatClock(Date.UTC(2026, 10, 23, 0, 5, 0), utc),
    '2026-11-23 00:05:00',
    'minutes away, on the next day',
  );
  assert.equal(formatClock(Date.UTC(2026, 10, 22, 23, 52, 0), { now, timeZone: 'UTC' }), '23:52');
});
