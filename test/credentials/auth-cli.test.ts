// `switchyard auth` (the real CLI, in-process) on real files: the seed 001 scenario end to end, the env/.env
// warning, add/list/remove/reset, and a scan of everything printed for full secrets.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess, assertNoSecrets, type CliResult } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { fingerprint, mask } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import type { ProviderExplanation } from '../../src/credentials/pool.ts';
import { waitFor } from '../state/wait.ts';

const OLD_CONFIG = 'sk-old-config-key-0000a1b2';
const NEW_CONFIG = 'sk-new-config-key-0000e5f6';
const ENV_KEY = 'sk-env-shell-key-0000c3d4';
const ENV_KEY_2 = 'sk-env-rotated-key-000077aa';
const DOTENV_KEY = 'sk-dotenv-file-key-000088bb';
const STORED = 'sk-stored-backup-key-000099cc';
const ALL_SECRETS = [OLD_CONFIG, NEW_CONFIG, ENV_KEY, ENV_KEY_2, DOTENV_KEY, STORED];

const ws = tempWorkspace('switchyard-auth-');
after(() => ws.cleanup());

function writeConfig(apiKey: string | null): string {
  const key = apiKey === null ? '' : `\n    api_key: ${apiKey}`;
  return ws.write(
    'switchyard.yaml',
    `providers:\n  mimo:\n    type: openai\n    base_url: http://127.0.0.1:9/v1${key}\nmain: { provider: mimo, model: mimo-v2 }\n`,
  );
}

function auth(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  const options = { env: { SWITCHYARD_HOME: ws.home, ...env }, ...(input !== undefined ? { input } : {}) };
  return runCliInProcess(['-c', join(ws.dir, 'switchyard.yaml'), 'auth', ...args], options);
}

function parse<T>(r: CliResult): T {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('switchyard auth (seed 001)', () => {
  let store: StateStore;
  before(async () => {
    writeConfig(OLD_CONFIG);
    // The gateway's view: a store in another process (this one) that recorded the old key as rate-limited.
    store = openStore({ home: ws.home });
    const now = Date.now();
    store.applyHealth(fingerprint(OLD_CONFIG), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'rate_limited',
      until: now + 3_600_000,
      add_failures: 1,
    });
    await store.flush();
  });
  after(() => store.close());

  it('shows the rate-limited config key skipped in favour of the env key', async () => {
    const r = await auth(['explain', 'mimo'], { MIMO_API_KEY: ENV_KEY });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cooling: rate_limited/);
    assert.match(
      r.stdout,
      /the next request uses env MIMO_API_KEY sk-…c3d4 .*skipping config key sk-…a1b2 \(rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\)/,
    );
  });

  it('after the config is edited, the new key is first and used, and the old one is no candidate', async () => {
    writeConfig(NEW_CONFIG);
    const r = await auth(['explain', 'mimo'], { MIMO_API_KEY: ENV_KEY });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /→ the next request uses config key sk-…e5f6 .*it is first in order and usable/);
    assert.ok(!r.stdout.includes(fingerprint(OLD_CONFIG)) && !r.stdout.includes(mask(OLD_CONFIG)), r.stdout);
    const e = parse<ProviderExplanation>(await auth(['explain', 'mimo', '--json'], { MIMO_API_KEY: ENV_KEY }));
    assert.equal(e.candidates[0]?.credential.fingerprint, fingerprint(NEW_CONFIG));
    assert.equal(e.next?.fingerprint, fingerprint(NEW_CONFIG));
    assert.ok(!e.candidates.some((c) => c.credential.fingerprint === fingerprint(OLD_CONFIG)));
  });

  it('a changed env value is a fresh credential with clean health', async () => {
    const now = Date.now();
    store.applyHealth(fingerprint(ENV_KEY), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'quota',
      until: now + 3_600_000,
    });
    await store.flush();
    const e = parse<ProviderExplanation>(await auth(['explain', 'mimo', '--json'], { MIMO_API_KEY: ENV_KEY_2 }));
    const env = e.candidates.find((c) => c.credential.sources.some((s) => s.kind === 'env'));
    assert.equal(env?.credential.fingerprint, fingerprint(ENV_KEY_2));
    assert.deepEqual([env?.health.state, env?.health.failures, env?.usable], ['ok', 0, true]);
  });

  it('auth reset clears a cooldown, and another process sees it (it polls every 250 ms)', async () => {
    const now = Date.now();
    store.applyHealth(fingerprint(NEW_CONFIG), {
      provider: 'mimo',
      at: now,
      state: 'cooling',
      reason: 'rate_limited',
      until: now + 3_600_000,
    });
    await store.flush();
    const before = await auth(['explain', 'mimo'], { MIMO_API_KEY: ENV_KEY_2 });
    assert.match(before.stdout, /skipping config key sk-…e5f6/);
    const r = await auth(['reset', 'mimo', fingerprint(NEW_CONFIG).slice(0, 6)], { MIMO_API_KEY: ENV_KEY_2 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`reset mimo: 1 key changed — credential ${fingerprint(NEW_CONFIG)} is ok again`));
    assert.match(r.stdout, /→ the next request uses config key sk-…e5f6/);
    // Polled every 250 ms; the suite's bound, since 5 s was met at load ~20 by a reset that was seen.
    await waitFor(() => store.getHealth(fingerprint(NEW_CONFIG))?.state === 'ok', 'the other process to see the reset');
  });

  it('never prints a full secret', () => {
    assertNoSecrets(ALL_SECRETS);
  });
});

describe('switchyard auth: env and .env disagree', () => {
  it('warns exactly once, naming both masked values, when only key_env is involved', async () => {
    writeConfig(null);
    ws.write('.env', `MIMO_API_KEY=${DOTENV_KEY}\n`);
    const r = await auth(['list', 'mimo'], { MIMO_API_KEY: ENV_KEY });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.ok(warnings[0]!.includes(mask(ENV_KEY)) && warnings[0]!.includes(mask(DOTENV_KEY)), warnings[0]);
  });

  it('still warns exactly once when the config also interpolates the variable', async () => {
    writeConfig('${MIMO_API_KEY}');
    ws.write('.env', `MIMO_API_KEY=${DOTENV_KEY}\n`);
    const r = await auth(['explain', 'mimo'], { MIMO_API_KEY: ENV_KEY });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.ok(warnings[0]!.includes(mask(ENV_KEY)) && warnings[0]!.includes(mask(DOTENV_KEY)), warnings[0]);
    assertNoSecrets(ALL_SECRETS);
  });
});

describe('switchyard auth add / list / remove', () => {
  it('stores a key from stdin, lists it after config and env keys, and removes it by label', async () => {
    writeConfig(NEW_CONFIG);
    ws.write('.env', '');
    const added = await auth(
      ['add', 'mimo', '--label', 'backup', '--priority', '3'],
      { MIMO_API_KEY: ENV_KEY },
      `${STORED}\n`,
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      new RegExp(`stored mimo key sk-…99cc \\(ID ${fingerprint(STORED)}, label "backup", priority 3\\)`),
    );
    assert.equal(statSync(join(ws.home, 'state.db')).mode & 0o777, 0o600);

    const list = await auth(['list'], { MIMO_API_KEY: ENV_KEY });
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n');
    assert.match(rows[0]!, /^PROVIDER\s+#\s+ID\s+KEY\s+SOURCES\s+STATE\s+UNTIL\s+LAST SUCCESS$/);
    assert.deepEqual(
      rows.slice(1).map((l) => /(config key|env MIMO_API_KEY|stored "backup")/.exec(l)?.[1]),
      ['config key', 'env MIMO_API_KEY', 'stored "backup"'],
    );

    const json = parse<{ providers: ProviderExplanation[] }>(await auth(['list', '--json'], { MIMO_API_KEY: ENV_KEY }));
    assert.equal(json.providers[0]?.candidates[2]?.credential.label, 'backup');

    const dup = await auth(['add', 'mimo'], {}, STORED);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /already stored/);

    // A 1–3 character prefix of the stored key's ID matches nothing (as for `auth reset`), and says why.
    for (const cmd of ['remove', 'reset']) {
      const short = await auth([cmd, 'mimo', fingerprint(STORED).slice(0, 2)]);
      assert.equal(short.code, 2, short.stderr);
      assert.match(
        short.stderr,
        /no (stored key|credential) of mimo matches "\w\w" \(an ID prefix needs 4 or more characters\)/,
      );
      assert.doesNotMatch(short.stderr, /is not a stored key/);
    }

    const removed = await auth(['remove', 'mimo', 'backup']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /removed stored mimo key sk-…99cc/);
    const again = await auth(['remove', 'mimo', 'backup']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /no stored key of mimo matches "backup"/);
  });

  it('refuses a key on the command line, an unknown provider, and a config key for removal', async () => {
    const argv = await auth(['add', 'mimo', STORED]);
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /refusing to read a key from the command line/);
    const unknown = await auth(['add', 'mimi'], {}, STORED);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown provider "mimi" — did you mean "mimo"\?/);
    const empty = await auth(['add', 'mimo'], {}, '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /no key given/);
    const cfg = await auth(['remove', 'mimo', fingerprint(NEW_CONFIG)]);
    assert.equal(cfg.code, 2);
    assert.match(
      cfg.stderr,
      /config key sk-…e5f6 is not a stored key; remove it where it is set \(providers\.mimo\.api_key\)/,
    );
    assert.ok(!/\n\s+at /.test(argv.stderr + unknown.stderr + cfg.stderr), 'no stack traces');
  });

  it('never prints a full secret', () => {
    assertNoSecrets(ALL_SECRETS);
  });
});
