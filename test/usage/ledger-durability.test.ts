// What a real `switchyard gateway` with the embedded (SQLite) ledger keeps when it is ended: kill -9 under load loses
// only the rows of answers received within its last flush interval (usage.flush_interval, 100 ms); SIGTERM writes
// every row; and a stop while the disk is full (a real tmpfs, filled) says how many rows could not be kept and exits 1
// rather than "gateway stopped".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';
import { load, type Answer } from '../helpers/chat-load.ts';

const KEY = 'sk-sim-ledger-durable-key-1';

function ledgerIds(home: string): Set<string> {
  if (!existsSync(join(home, 'usage.db'))) return new Set();
  const db = new DatabaseSync(join(home, 'usage.db'), { readOnly: true });
  try {
    return new Set(
      db
        .prepare('SELECT id FROM usage_requests')
        .all()
        .map((r) => String(r['id'])),
    );
  } finally {
    db.close();
  }
}

function configFor(simUrl: string): Record<string, unknown> {
  return {
    providers: { sim: { type: 'openai', base_url: `${simUrl}/v1`, api_key: KEY } },
    main: { provider: 'sim', model: 'sim-large' },
    gateway: { require_keys: false },
  };
}

test('kill -9 under load loses only the rows answered in the last flush interval; SIGTERM loses none', async (t) => {
  await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
  using ws = tempWorkspace('switchyard-ledger-durable-');
  const configPath = ws.write('switchyard.yaml', stringify(configFor(sim.url)));
  const env = { SWITCHYARD_HOME: ws.home };

  await using killed = await spawnGateway(t, ['--config', configPath], env, ws.dir);
  const answers: Answer[] = [];
  const running = load(killed.url, 5_000, answers, 16);
  // A gateway just started, on a machine the whole suite loads: its first answers come when its code has loaded.
  await until('answers to flow', () => answers.length >= 600, SLOW_STEP_MS);
  killed.child.kill('SIGKILL');
  const killedAt = Date.now();
  await running;
  await killed.exited;
  const kept = ledgerIds(ws.home);
  const lost = answers.filter((a) => !kept.has(a.id));
  const oldest = Math.max(0, ...lost.map((a) => killedAt - a.at));
  t.diagnostic(
    `kill -9: ${answers.length} answers, ${lost.length} rows lost, the oldest answered ${oldest} ms before the kill`,
  );
  // 100 ms is the flush interval; the rest is room for a loaded machine's timers.
  assert.ok(oldest <= 1_000, `a row answered ${oldest} ms before the kill was lost`);

  // The next run, stopped as systemd stops it: every row written.
  await using stopped = await spawnGateway(t, ['--config', configPath], env, ws.dir);
  const more: Answer[] = [];
  await load(stopped.url, 300, more, 16);
  stopped.child.kill('SIGTERM');
  assert.equal(await stopped.exited, 0, stopped.stderr().slice(-2000));
  const after = ledgerIds(ws.home);
  assert.deepEqual(
    more.filter((a) => !after.has(a.id)),
    [],
  );
  assert.match(stopped.stderr(), /"msg":"gateway stopped"/);
});

/** Mounts a small tmpfs at `dir`; a reason when this machine does not let us (not root, or no mount). */
function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

test('a stop while the disk is full names the rows that could not be kept and exits 1', async (t) => {
  await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [KEY]: {} } } });
  using ws = tempWorkspace('switchyard-ledger-full-');
  mkdirSync(ws.home, { recursive: true });
  const cannot = mountTmpfs(ws.home, '4m');
  if (cannot !== undefined) {
    t.skip(`cannot mount a tmpfs here (${cannot})`);
    return;
  }
  // Declared after the workspace, so unmounted before it is removed.
  using _mount = { [Symbol.dispose]: () => execFileSync('umount', ['--lazy', ws.home]) };
  const configPath = ws.write('switchyard.yaml', stringify(configFor(sim.url)));
  await using gw = await spawnGateway(t, ['--config', configPath], { SWITCHYARD_HOME: ws.home }, ws.dir);
  const first: Answer[] = [];
  await load(gw.url, 20, first);
  await until('the first rows to be written', () => ledgerIds(ws.home).size === first.length);
  // Fill the disk: the ledger cannot grow any more.
  const filler = join(ws.home, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024));
  } catch {
    // ENOSPC: full, as wanted.
  }
  const more: Answer[] = [];
  await load(gw.url, 400, more);
  assert.equal(more.length, 400, 'served while the disk is full');
  gw.child.kill('SIGTERM');
  const code = await gw.exited;
  const stderr = gw.stderr();
  const said = /usage ledger: (\d+) rows? could not be kept/.exec(stderr);
  t.diagnostic(said?.[0] ?? 'nothing said');
  assert.ok(said !== null, stderr.slice(-3000));
  assert.equal(code, 1);
  assert.match(stderr, /gateway stopped; \d+ usage rows were lost/);
  rmSync(filler, { force: true });
  const kept = ledgerIds(ws.home);
  assert.equal(Number(said[1]), more.filter((a) => !kept.has(a.id)).length, 'the count said is the rows missing');
});
