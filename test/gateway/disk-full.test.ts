// A full disk under the state file. The gateway serves from memory, so it stays ready: /readyz answers 200 and says
// `"degraded": true, "degraded_by": ["disk_full"]`, the log says "disk full" once when writes start failing and once
// when they work again, nothing queued is lost, and a command that must write (`gateway keys create`) says the disk
// is full instead of "internal error". The first test fills the file for real with SQLite's max_page_count (SQLITE_FULL,
// as ENOSPC gives; runs anywhere); the second fills a real tmpfs under a real `switchyard gateway` (root and mount).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { stringify } from 'yaml';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

/** Keys the simulator does not know: each is rejected once, and each leaves a health row to write. */
const REJECTED = Array.from({ length: 40 }, (_, i) => `sk-sim-unknown-disk-${String(i).padStart(4, '0')}`);
const GOOD = 'sk-sim-good-disk-key-0001';

interface Readiness {
  status: number;
  body: { status: string; store: { ok: boolean; degraded?: boolean; degraded_by?: string[]; error?: string } };
}

async function readyz(url: string, headers: Record<string, string> = {}): Promise<Readiness> {
  const res = await fetch(`${url}/readyz`, { headers });
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

async function chat(url: string, key?: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A migrated state file with a table of filler pages: dropping it later gives the capped file room again. */
function stateWithFiller(path: string): void {
  new SqliteStore({ path }).close().catch(() => {});
  const db = new DatabaseSync(path);
  db.exec('CREATE TABLE filler (b BLOB)');
  const insert = db.prepare('INSERT INTO filler VALUES (randomblob(3500))');
  for (let i = 0; i < 64; i++) insert.run();
  db.close();
}

function freeSpace(path: string): void {
  const db = new DatabaseSync(path);
  db.exec('DROP TABLE filler');
  db.close();
}

function linesSaying(h: Harness, words: string): string[] {
  return h.logs.filter((l) => l.includes(words));
}

test('a full state file: requests go on, /readyz is 200 and degraded by disk_full, said once, and it recovers', async () => {
  let statePath = '';
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [GOOD]: {} } },
    config: (sim) => ({
      providers: { many: simProvider(sim, 'openai', REJECTED), good: simProvider(sim, 'openai', GOOD) },
      main: { provider: 'many', model: 'sim-large' },
      fallback: [{ provider: 'good', model: 'sim-large' }],
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
    // Capped at its size when opened: a write that needs one more page fails with SQLITE_FULL.
    stateFile: { prepare: (path) => stateWithFiller((statePath = path)), maxPageCount: 1 },
  });

  // Forty rejected keys are forty health rows: more than the file's free room.
  assert.equal(await chat(h.url, h.key), 200);
  await until('the store to say the disk is full', async () => (await readyz(h.url)).body.store.degraded === true);
  // Requests still succeed, and the store keeps trying (every 20 ms here) without saying it again.
  for (let i = 0; i < 20; i++) assert.equal(await chat(h.url, h.key), 200);
  const anyone = await readyz(h.url);
  assert.equal(anyone.status, 200);
  assert.deepEqual(anyone.body, { status: 'ready', store: { ok: false, degraded: true, degraded_by: ['disk_full'] } });
  const admin = await readyz(h.url, { authorization: `Bearer ${ADMIN_KEY}` });
  assert.match(admin.body.store.error ?? '', /^disk full \(database or disk is full\)$/);
  const full = linesSaying(h, 'disk full');
  assert.equal(full.length, 1, full.join('\n'));
  assert.match(
    full[0]!,
    /"level":40.*cannot write to the state store .*state\.db: disk full \(database or disk is full\); requests are still served/,
  );
  assert.equal(linesSaying(h, 'rollback').length, 0);

  // A write a command asks for is refused in words.
  assert.throws(
    () => h.store.addGatewayKey({ id: 'k2', name: 'x'.repeat(20_000), hash: 'h2', prefix: 'sy-', created_at: 1 }),
    {
      name: 'UserError',
      message: /^could not write to the state store .*state\.db: disk full \(database or disk is full\)$/,
    },
  );

  freeSpace(statePath);
  await until('the store to be written again', async () => (await readyz(h.url)).body.store.ok);
  assert.deepEqual((await readyz(h.url)).body, { status: 'ready', store: { ok: true } });
  const again = linesSaying(h, 'can be written again');
  assert.equal(again.length, 1, again.join('\n'));
  assert.match(again[0]!, /the state store .*state\.db can be written again \(there is space on the disk again\)/);
  // Nothing queued was lost: every key's row is in the file.
  await h.store.flush();
  const db = new DatabaseSync(statePath, { readOnly: true });
  const rows = db.prepare('SELECT count(*) AS n FROM health').get() as { n: number };
  db.close();
  assert.equal(rows.n, REJECTED.length + 1);
});

/** Mounts a small tmpfs at `dir`; undefined when this machine does not let us (not root, or no mount in a container). */
function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

/** Writes zeros until the file system says it is full. */
function fill(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeFileSync(path, chunk, { flag: 'a' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

test('a real full disk (tmpfs) under `switchyard gateway` and `gateway keys create`', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-diskfull-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  const cannot = mountTmpfs(home, '2m');
  if (cannot !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here (${cannot}); the max_page_count test covers the same paths`);
    return;
  }
  const sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [GOOD]: {} } } });
  const running: { gw?: GatewayProcess } = {};
  // In this order: the gateway holds files in the mount, and keeps connections to the simulator open.
  t.after(async () => {
    running.gw?.child.kill('SIGKILL');
    await running.gw?.exited;
    await sim.close();
    execFileSync('umount', ['--lazy', home]);
    rmSync(dir, { recursive: true, force: true });
  });
  const configPath = join(dir, 'switchyard.yaml');
  const config = {
    providers: { many: simProvider(sim.url, 'openai', REJECTED), good: simProvider(sim.url, 'openai', GOOD) },
    main: { provider: 'many', model: 'sim-large' },
    fallback: [{ provider: 'good', model: 'sim-large' }],
    retry: FAST_RETRY,
    gateway: { require_keys: false },
  };
  writeFileSync(configPath, stringify(config), { mode: 0o600 });
  const env = { SWITCHYARD_HOME: home };
  const gw = (running.gw = await spawnGateway(t, ['--config', configPath], env));
  const { url, stderr } = gw;
  assert.equal(await chat(url), 200);
  fill(join(home, 'filler'));

  // Every request writes health; with no room the gateway goes on from memory. The ledger, in the same home, may
  // say so first (usage_store): wait for the state store's own reason.
  await until('the gateway to say the disk is full', async () => {
    assert.equal(await chat(url), 200);
    return ((await readyz(url)).body.store.degraded_by ?? []).includes('disk_full');
  });
  const ready = await readyz(url);
  assert.equal(ready.status, 200);
  // The usage ledger, in the same full home, may have failed a write by now too: it says so beside the state store.
  const by = ready.body.store.degraded_by ?? [];
  assert.ok(by.includes('disk_full'), `degraded by ${by.join(', ')}`);
  assert.deepEqual(
    by.filter((reason) => reason !== 'usage_store'),
    ['disk_full'],
  );
  // Log lines reach stderr in batches, a little later.
  await until('the log to say the disk is full', () =>
    /cannot write to the state store .*state\.db: disk full/.test(stderr()),
  );
  assert.doesNotMatch(stderr(), /rollback/);

  const keys = await runCliInProcess(['gateway', 'keys', 'create', 'ci', '--config', configPath], { env });
  assert.equal(keys.code, 1);
  // After the line every command starts with, naming the config and the store in effect.
  assert.match(
    keys.stderr,
    /^switchyard: config .* · state sqlite .*\n+switchyard: could not write to the state store .*state\.db: disk full \(database or disk is full\)\n {2}free space on the disk that holds it, then try again\n$/,
  );

  rmSync(join(home, 'filler'));
  await until('the gateway to write again', async () => {
    assert.equal(await chat(url), 200);
    return (await readyz(url)).body.store.ok;
  });
  await until('the log to say the store is written again', () =>
    /can be written again \(there is space on the disk again\)/.test(stderr()),
  );
  const created = await runCliInProcess(['gateway', 'keys', 'create', 'ci', '--config', configPath], { env });
  assert.equal(created.code, 0, created.stderr);
});
