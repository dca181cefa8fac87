// Two real processes on one store (a SQLite file, or one Redis), one recording failures and one resetting,
// concurrently. Afterwards every increment is there (no lost update), the final state belongs to the later writer,
// and the file is intact.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'hammer-worker.ts');
const FAILURES = 1500;
const RESETS = 1000;

function runWorker(home: string, role: 'fail' | 'reset', count: number, kind = 'sqlite'): Promise<{ lastAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, home, role, String(count), kind], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${role} worker exited with ${code}: ${err}`));
      else resolve(JSON.parse(out) as { lastAt: number });
    });
  });
}

async function assertHammered(store: StateStore, fail: { lastAt: number }, reset: { lastAt: number }): Promise<void> {
  await store.ready();
  const record = store.getHealth('fp-hammer');
  await store.close();
  assert.equal(record?.failures, FAILURES, 'every failure counted');
  assert.equal(record?.uses, RESETS, 'every use counted');
  if (fail.lastAt > reset.lastAt) assert.equal(record?.state, 'cooling', 'the last failure came after the last reset');
  if (reset.lastAt > fail.lastAt) assert.equal(record?.state, 'ok', 'the last reset came after the last failure');
}

it('two processes hammering one store lose no update', { timeout: 180_000 }, async () => {
  using ws = tempWorkspace('switchyard-hammer-');
  // Create the schema first so both workers start on an existing file (they also cope with a fresh one).
  await openStore({ home: ws.home }).close();
  const [fail, reset] = await Promise.all([runWorker(ws.home, 'fail', FAILURES), runWorker(ws.home, 'reset', RESETS)]);

  await assertHammered(openStore({ home: ws.home }), fail, reset);

  const db = new DatabaseSync(join(ws.home, 'state.db'));
  const check = db.prepare('PRAGMA integrity_check').get() as { integrity_check: string };
  db.close();
  assert.equal(check.integrity_check, 'ok');
});

it('two processes hammering one Redis lose no update', { timeout: 180_000, skip: REDIS_MISSING }, async () => {
  await using redis = await startTestRedis();
  using ws = tempWorkspace('switchyard-hammer-');
  const [fail, reset] = await Promise.all([
    runWorker(ws.home, 'fail', FAILURES, redis.url),
    runWorker(ws.home, 'reset', RESETS, redis.url),
  ]);
  await assertHammered(openStore({ home: ws.home, kind: redis.url }), fail, reset);
});
