// The ledger's spool on real files: rows come back in the order they were appended, sent rows are not sent again,
// a file sent whole is emptied, a process that is gone leaves its file to the next one (a torn last line dropped),
// a full spool refuses rows, and files are 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SPOOL_STALE_MS, SpoolFullError, UsageSpool } from '../../src/usage/spool.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { ledgerRow } from './rows.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const row = (id: string): UsageRow => ledgerRow(id, { input_tokens: 1, output_tokens: 1, cost_usd: null });

const ids = (rows: readonly UsageRow[] | undefined): string[] => (rows ?? []).map((r) => r.id);

test('rows come back in order, once, and a file sent whole is emptied', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const spool = new UsageSpool({ dir: join(ws.home, 'usage-spool'), maxBytes: 1 << 20, pid: 101 });
  await spool.open();
  await spool.append([row('a'), row('b'), row('c')]);
  await spool.append([row('d')]);
  assert.equal(spool.unsent, 4);
  assert.equal(statSync(spool.path).mode & 0o777, 0o600);
  assert.equal(statSync(join(ws.home, 'usage-spool')).mode & 0o777, 0o700);
  const first = await spool.take(2);
  assert.deepEqual(ids(first?.rows), ['a', 'b']);
  // Not marked sent: the same rows again.
  assert.deepEqual(ids((await spool.take(2))?.rows), ['a', 'b']);
  await spool.done(first!);
  const rest = await spool.take(10);
  assert.deepEqual(ids(rest?.rows), ['c', 'd']);
  await spool.done(rest!);
  assert.equal(spool.unsent, 0);
  assert.equal(statSync(spool.path).size, 0);
  assert.equal(await spool.take(10), undefined);
  await spool.close();
  assert.equal(existsSync(spool.path), false, 'an empty spool file is removed at close');
});

test('the file of a process that is gone is claimed and sent first, its torn last line dropped', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const dir = join(ws.home, 'usage-spool');
  const before = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 201 });
  await before.open();
  await before.append([row('old-1'), row('old-2')]);
  // Killed mid-write: half a line at the end. Not closed (kill -9).
  appendFileSync(before.path, '{"id":"torn","at":1');
  // A live process's file is left alone.
  writeFileSync(join(dir, '202-0.jsonl'), JSON.stringify(row('alive')) + '\n', { mode: 0o600 });
  const after = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 203, alive: (pid) => pid === 202 || pid === 203 });
  await after.open();
  await after.append([row('new-1')]);
  assert.equal(after.unsent, 3);
  const claimed = await after.take(10);
  assert.deepEqual(ids(claimed?.rows), ['old-1', 'old-2']);
  await after.done(claimed!);
  const own = await after.take(10);
  assert.deepEqual(ids(own?.rows), ['new-1']);
  await after.done(own!);
  await after.close();
  assert.deepEqual(readdirSync(dir).sort(), ['202-0.jsonl']);
  await before.close();
});

test('a full spool refuses the rows and keeps what it had', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const spool = new UsageSpool({ dir: join(ws.home, 'usage-spool'), maxBytes: 1_000, pid: 301 });
  await spool.open();
  await spool.append([row('a')]);
  await assert.rejects(
    spool.append(Array.from({ length: 5 }, (_, i) => row(`x${i}`))),
    (err) => err instanceof SpoolFullError && /usage\.spool_max_bytes/.test(err.message),
  );
  assert.deepEqual(ids((await spool.take(10))?.rows), ['a']);
  await spool.close();
});

test('past what it keeps in memory it reads the file back, in the same order', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const spool = new UsageSpool({ dir: join(ws.home, 'usage-spool'), maxBytes: 1 << 30, pid: 401 });
  await spool.open();
  // 25,000 rows: more than the 20,000 kept in memory beside the file.
  for (let b = 0; b < 5; b++) await spool.append(Array.from({ length: 5_000 }, (_, i) => row(`r${b * 5_000 + i}`)));
  const seen: string[] = [];
  for (let batch = await spool.take(500); batch !== undefined; batch = await spool.take(500)) {
    seen.push(...ids(batch.rows));
    await spool.done(batch);
  }
  assert.equal(seen.length, 25_000);
  assert.deepEqual(seen.slice(0, 3).concat(seen.slice(-2)), ['r0', 'r1', 'r2', 'r24998', 'r24999']);
  assert.ok(seen.every((id, i) => id === `r${i}`));
  // Emptied, it keeps rows in memory again.
  await spool.append([row('after')]);
  const last = await spool.take(10);
  assert.deepEqual(ids(last?.rows), ['after']);
  await spool.done(last!);
  await spool.close();
});

test('pods sharing a volume, each pid 1, keep files apart; a gone host is claimed once its heartbeat is stale', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const dir = join(ws.home, 'usage-spool');
  const now = Date.now();
  const podA = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 1, host: 'gw-7d9f-a', alive: () => true });
  const podB = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 1, host: 'gw-7d9f-b', alive: () => true });
  await podA.open();
  await podB.open();
  assert.notEqual(podA.path, podB.path);
  await podA.append([row('a-1')]);
  await podB.append([row('b-1')]);
  // A third pod starts while both run: their files are fresh, and their pid 1 is its own, which says nothing.
  const podC = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 1, host: 'gw-7d9f-c', alive: () => true, now: () => now });
  await podC.open();
  assert.equal(podC.unsent, 0);
  await podC.close();
  // Pod A is killed: its file stops being touched. Past the stale bound the next pod to start sends its rows.
  const stale = new Date(now - SPOOL_STALE_MS - 1_000);
  utimesSync(podA.path, stale, stale);
  const podD = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 1, host: 'gw-7d9f-d', alive: () => true, now: () => now });
  await podD.open();
  const claimed = await podD.take(10);
  assert.deepEqual(ids(claimed?.rows), ['a-1']);
  await podD.done(claimed!);
  await podD.close();
  assert.deepEqual(readdirSync(dir), [basename(podB.path)]);
  await podB.close();
});

test('a running pod takes over the file of a pod deleted after it started, before its own rows', async () => {
  using ws = tempWorkspace('switchyard-spool-');
  const dir = join(ws.home, 'usage-spool');
  let now = Date.now();
  const survivor = new UsageSpool({
    dir,
    maxBytes: 1 << 20,
    pid: 1,
    host: 'gw-7d9f-s',
    alive: () => true,
    now: () => now,
  });
  const deleted = new UsageSpool({ dir, maxBytes: 1 << 20, pid: 1, host: 'gw-7d9f-x', alive: () => true });
  await survivor.open();
  await deleted.open();
  await deleted.append([row('x-1'), row('x-2')]);
  await survivor.append([row('s-1')]);
  // Still beating: nothing to take over.
  assert.equal(await survivor.adopt(), 0);
  // The deleted pod stops touching its file; no process ever starts on its name again.
  const stale = new Date(now - SPOOL_STALE_MS - 1_000);
  utimesSync(deleted.path, stale, stale);
  assert.equal(await survivor.adopt(), 2);
  assert.equal(survivor.unsent, 3);
  const first = await survivor.take(10);
  assert.deepEqual(ids(first?.rows), ['x-1', 'x-2']);
  await survivor.done(first!);
  const second = await survivor.take(10);
  assert.deepEqual(ids(second?.rows), ['s-1']);
  await survivor.done(second!);
  // Its own file, touched by its heartbeat or not, is never taken over by itself.
  now += 10 * SPOOL_STALE_MS;
  assert.equal(await survivor.adopt(), 0);
  assert.deepEqual(readdirSync(dir), [basename(survivor.path)]);
  await survivor.close();
});
