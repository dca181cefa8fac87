// Budgets on Redis when Redis does not answer (docs/budgets.md#when-the-store-is-down): real redis-server, replicas
// as RedisStores each behind its own TCP proxy that the test cuts (Redis down for it, its data kept), or the server
// paused. Each policy of `budgets.on_store_outage`, and the write-back of the outage spend, exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { until } from '../helpers/until.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import type { HoldItem } from '../../src/state/budget-store.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { rawRedis, REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

let prefixes = 0;
const LIMIT = 100;
const AMOUNT = 10;

interface Replica {
  store: RedisStore;
  warnings: string[];
}

/** `sharedTimeoutMs`: how long a budget command may take before Redis counts as down (the store's 250 ms unless
 * given). */
function replica(port: number, prefix: string, dir: string, sharedTimeoutMs?: number): Replica {
  mkdirSync(dir, { recursive: true });
  const warnings: string[] = [];
  const store = new RedisStore({
    url: `redis://127.0.0.1:${port}/0`,
    prefix,
    local: new SqliteStore({ path: ':memory:' }),
    connectTimeoutMs: 2000,
    budgetOutageDir: dir,
    ...(sharedTimeoutMs !== undefined ? { sharedTimeoutMs } : {}),
    warn: (m) => warnings.push(m),
  });
  return { store, warnings };
}

/** Two replicas of one prefix on a redis-server of their own, each behind its own proxy that a test cuts. Disposed
 * in the reverse of the order they were made: the stores, the connection, the workspace, the proxies, the server. */
interface CutPair extends AsyncDisposable {
  a: Replica;
  b: Replica;
  pa: TcpProxy;
  pb: TcpProxy;
  raw: Redis;
  prefix: string;
}

async function cutPair(name: string, sharedTimeoutMs?: number): Promise<CutPair> {
  // What was made so far, undone in reverse: a setup that fails half-way leaves no redis-server behind.
  const undo: (() => unknown)[] = [];
  const dispose = async (): Promise<void> => {
    for (const u of undo.reverse()) await u();
  };
  try {
    const server = await startTestRedis();
    undo.push(() => server[Symbol.asyncDispose]());
    const port = Number(new URL(server.url).port);
    const pa = await startTcpProxy(port);
    undo.push(() => pa[Symbol.asyncDispose]());
    const pb = await startTcpProxy(port);
    undo.push(() => pb[Symbol.asyncDispose]());
    const ws = tempWorkspace('switchyard-budget-outage-');
    undo.push(() => ws[Symbol.dispose]());
    const raw = rawRedis(server.url);
    undo.push(() => raw[Symbol.dispose]());
    const prefix = `${name}${process.pid}-${++prefixes}:`;
    const a = replica(pa.port, prefix, join(ws.dir, 'a'), sharedTimeoutMs);
    undo.push(() => a.store.close());
    const b = replica(pb.port, prefix, join(ws.dir, 'b'), sharedTimeoutMs);
    undo.push(() => b.store.close());
    return { a, b, pa, pb, raw, prefix, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

function item(counter = 'c', soft = false): HoldItem {
  return { counter, limit: LIMIT, amount: AMOUNT, soft, resetsAt: Date.now() + 3_600_000 };
}

let holds = 0;
/** Reserves and settles one request's worth; whether it was admitted. */
async function spend(store: RedisStore, what = item()): Promise<boolean> {
  const hold = `t${++holds}`;
  const now = Date.now();
  const r = await store.budgets.reserve(hold, [what], now, now + 60_000);
  if (r.ok) store.budgets.settle(hold, [{ counter: what.counter, amount: AMOUNT, resetsAt: what.resetsAt }]);
  return r.ok;
}

/** Spends until the store refuses (at most `max` times); how many it admitted. */
async function spendAll(store: RedisStore, max = 30, what = item()): Promise<number> {
  let n = 0;
  while (n < max && (await spend(store, what))) n += 1;
  return n;
}

/** Both replicas ready, each counting the other as live. */
async function bothCounting(a: Replica, b: Replica): Promise<void> {
  await Promise.all([a.store.ready(), b.store.ready()]);
  await until(
    'both replicas to count each other',
    () => a.store.budgets.replicas() === 2 && b.store.budgets.replicas() === 2,
  );
}

/** Once both count each other, each spends 10 through Redis and reads the counter back (20). */
async function spendTenEach(a: Replica, b: Replica): Promise<void> {
  await bothCounting(a, b);
  assert.equal(await spend(a.store), true);
  assert.equal(await spend(b.store), true);
  await a.store.budgets.flush();
  await b.store.budgets.flush();
  await a.store.budgets.read(['c'], Date.now());
  await b.store.budgets.read(['c'], Date.now());
}

/** Both links mended, and both replicas sharing their budgets through Redis again. */
async function mendBoth(a: Replica, b: Replica, pa: TcpProxy, pb: TcpProxy): Promise<void> {
  pa.mend();
  pb.mend();
  await until(
    'both replicas to share budgets again',
    () => a.store.budgets.heldLocallySince() === undefined && b.store.budgets.heldLocallySince() === undefined,
    15_000,
  );
}

/** Two replicas that count each other spend 10 each through Redis and read the counter; then both are cut off, and
 * each spends its share of the 80 left (40). */
async function spendTwentyThenCut(a: Replica, b: Replica, pa: TcpProxy, pb: TcpProxy): Promise<void> {
  await spendTenEach(a, b);
  pa.cut();
  pb.cut();
  assert.equal(await spendAll(a.store), 4);
  assert.equal(await spendAll(b.store), 4);
}

async function counter(redis: Redis, prefix: string, name = 'c'): Promise<{ spent: number; holds: number }> {
  const fields = await redis.hgetall(`${prefix}budget:${name}`);
  return { spent: Number(fields['spent'] ?? 0), holds: Object.keys(fields).filter((f) => f.startsWith('h:')).length };
}

// The suite's timeout, not a test's: 23 s alone on a quiet machine, over 60 s beside the full suite at load ~12–19.
describe('budgets on Redis through an outage', { skip: REDIS_MISSING, timeout: 240_000 }, () => {
  it('share: two replicas cut off from Redis each spend at most their share, and it is written back once', async () => {
    await using pair = await cutPair('share');
    const { a, b, pa, pb, raw, prefix } = pair;
    await bothCounting(a, b);
    // 20 spent through Redis, then each replica reads the counter (a hold each, in flight at the cut).
    assert.equal(await spend(a.store), true);
    await a.store.budgets.flush();
    assert.equal(await spend(b.store), true);
    await b.store.budgets.flush();
    const now = Date.now();
    const open = item();
    assert.equal((await a.store.budgets.reserve('open-a', [open], now, now + 60_000)).ok, true);
    assert.equal((await b.store.budgets.reserve('open-b', [open], now, now + 60_000)).ok, true);

    pa.cut();
    pb.cut();
    // The holds in flight end during the outage: their spend is queued for Redis.
    a.store.budgets.settle('open-a', [{ counter: 'c', amount: AMOUNT, resetsAt: open.resetsAt }]);
    b.store.budgets.settle('open-b', [{ counter: 'c', amount: AMOUNT, resetsAt: open.resetsAt }]);
    const byA = await spendAll(a.store);
    const byB = await spendAll(b.store);
    assert.ok(a.store.budgets.heldLocallySince() !== undefined, 'a holds budgets locally');
    // a read 20 spent and its own 10 held: 70 remained, less the 10 b's last read (20) was behind it, 30 its share;
    // b read both holds: 60, less the 10 a's read (30) is behind it, 25. A replica admits while its own use is below
    // its share.
    assert.equal(byA, 3);
    assert.equal(byB, 3);
    // Refused by its share, not by the budget (a's book: 20 read, 40 its own, 40 still free): not spent, and asked
    // again when Redis is tried again, not at the end of the window.
    const t = Date.now();
    const more = await a.store.budgets.reserve('more-a', [item()], t, t + 60_000);
    assert.equal(more.ok, false);
    assert.equal(!more.ok && more.heldBack?.why, 'outage');
    assert.ok(!more.ok && more.heldBack !== undefined && more.heldBack.until - t <= 1_000, 'tried again within 1 s');
    // Each says what its share is (`held_locally_cap`).
    assert.equal(a.store.budgets.heldLocallyCap('c', LIMIT, false), 30);
    assert.equal(b.store.budgets.heldLocallyCap('c', LIMIT, false), 25);
    const total = 4 * AMOUNT + (byA + byB) * AMOUNT;
    assert.ok(total <= LIMIT + 2 * AMOUNT, `within one hold per replica of the cap: ${total}`);
    await until('the outage to be said', () =>
      [a, b].every((r) => r.warnings.some((w) => w.includes('budgets are no longer shared'))),
    );

    await mendBoth(a, b, pa, pb);
    assert.equal(a.store.budgets.heldLocallyCap('c', LIMIT, false), undefined, 'no cap of its own once shared');
    await a.store.budgets.flush();
    await b.store.budgets.flush();
    assert.deepEqual(await counter(raw, prefix), { spent: total, holds: 0 }, 'the counter is what was spent');
    for (const r of [a, b]) {
      assert.equal(
        r.warnings.filter((w) => w.includes('budgets are no longer shared')).length,
        1,
        r.warnings.join('\n'),
      );
      assert.equal(r.warnings.filter((w) => w.includes('budgets are shared again')).length, 1, r.warnings.join('\n'));
    }
  });

  it('share: a replica whose last read is stale takes a share the freshest one leaves out of its own', async () => {
    // The cut is what this is about, and a cut answers at once: on a loaded machine (a suite at load 17) one of b's
    // commands past the 250 ms bound took it off Redis before the cut, and its spend went to its own book.
    await using pair = await cutPair('stale', 10_000);
    const { a, b, pa, pb, raw, prefix } = pair;
    await bothCounting(a, b);
    // a reads once (its hold: 10), then stays quiet (a stalled process) while b spends 50 more.
    assert.equal(await spend(a.store), true);
    await a.store.budgets.flush();
    for (let i = 0; i < 5; i++) {
      assert.equal(await spend(b.store), true);
      await b.store.budgets.flush();
    }
    assert.equal((await counter(raw, prefix)).spent, 60);

    pa.cut();
    pb.cut();
    // a's share is of the 90 it saw remain: 45. b saw 40 remain, but a's share counts the 50 b spent since a's read:
    // b leaves that out of its own, and admits nothing.
    const byA = await spendAll(a.store);
    const byB = await spendAll(b.store);
    assert.equal(byA, 5);
    assert.equal(byB, 0);
    const total = 60 + (byA + byB) * AMOUNT;
    assert.ok(total <= LIMIT + 2 * AMOUNT, `within one hold per replica of the cap: ${total}`);

    await mendBoth(a, b, pa, pb);
    await a.store.budgets.flush();
    await b.store.budgets.flush();
    assert.deepEqual(await counter(raw, prefix), { spent: total, holds: 0 });
  });

  it('the replica back first holds back the share of one still cut off, until that one has written it back', async () => {
    await using pair = await cutPair('race');
    const { a, b, pa, pb, raw, prefix } = pair;
    await spendTwentyThenCut(a, b, pa, pb);

    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    // Redis has a's 40 and not b's: a holds b's share back rather than spend it again.
    assert.deepEqual(await counter(raw, prefix), { spent: 60, holds: 0 });
    assert.equal(await spendAll(a.store), 0, 'a admits nothing while b may be spending its share');

    pb.mend();
    await until('b to share budgets again', () => b.store.budgets.heldLocallySince() === undefined, 15_000);
    assert.deepEqual(await counter(raw, prefix), { spent: LIMIT, holds: 0 }, 'the cap, and not past it');
    assert.equal(await spendAll(a.store), 0);
  });

  it('a replica holding back the share of one still cut off keeps holding it when it loses Redis again', async () => {
    await using pair = await cutPair('again');
    const { a, b, pa, pb, raw, prefix } = pair;
    await spendTwentyThenCut(a, b, pa, pb);
    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    assert.equal(await spendAll(a.store), 0, 'a admits nothing while b may be spending its share');

    // Before, a's new share was half of what its last read left (60 spent): 20, on top of b's 40.
    pa.cut();
    assert.equal(await spendAll(a.store), 0, 'cut off again, a still leaves b its share');
    assert.equal(a.store.budgets.heldLocallyCap('c', LIMIT, false), 0);

    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    pb.mend();
    await until('b to share budgets again', () => b.store.budgets.heldLocallySince() === undefined, 15_000);
    await b.store.budgets.flush();
    assert.deepEqual(await counter(raw, prefix), { spent: LIMIT, holds: 0 }, 'the cap, and not past it');
  });

  it('a replica held back for counts once at its share of its own read, not again for how far that read was behind', async () => {
    await using pair = await cutPair('theirs');
    const { a, b, pa, pb, raw, prefix } = pair;
    const wide = (): HoldItem => ({ ...item(), limit: 200 });
    await bothCounting(a, b);
    // 20 spent through Redis; b's last read of it there (its reserve's) is 20.
    assert.equal(await spend(a.store, wide()), true);
    await a.store.budgets.flush();
    assert.equal(await spend(b.store, wide()), true);
    await b.store.budgets.flush();
    await a.store.budgets.read(['c'], Date.now());
    await b.store.budgets.read(['c'], Date.now());
    pa.cut();
    pb.cut();
    // b spends its share of the 180 left (less the 10 a's reserve was behind its read: 85, and the request that
    // crosses it); a spends 20 of its 90.
    assert.equal(await spendAll(b.store, 30, wide()), 9);
    assert.equal(await spend(a.store, wide()), true);
    assert.equal(await spend(a.store, wide()), true);

    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    // a holds b's 90 back: 110 is its limit on Redis, 40 spent there. Its reserve finds b's read 30 behind its own.
    assert.equal(await spend(a.store, wide()), true);
    await a.store.budgets.flush();
    assert.equal((await counter(raw, prefix)).spent, 50);

    // Cut off again: b may still spend its 90 (its share of what remained at its read, 20). a's share is the rest,
    // 200 − 50 − 90; leaving out the 30 b's read was behind as well (30 then) would count b's staleness twice.
    pa.cut();
    assert.equal(await spendAll(a.store, 30, wide()), 6);
    assert.equal(a.store.budgets.heldLocallyCap('c', 200, false), 60);

    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    pb.mend();
    await until('b to share budgets again', () => b.store.budgets.heldLocallySince() === undefined, 15_000);
    await a.store.budgets.flush();
    await b.store.budgets.flush();
    assert.deepEqual(await counter(raw, prefix), { spent: 200, holds: 0 }, 'the cap, and not past it');
  });

  it('the replica back first holds back the share of one that beat after its reserve stalled, before it lost Redis too', async () => {
    await using pair = await cutPair('stall');
    const { a, b, pa, pb, raw, prefix } = pair;
    await spendTenEach(a, b);

    // a's reserve is held on the way (a saturated machine, a slow Redis) and b says it is live meanwhile: that beat
    // is from before b loses Redis, so it says nothing of b's outage share.
    const stalledAt = Date.now();
    pa.stall();
    const slow = spend(a.store);
    await until(
      'b to beat after the stalled reserve began',
      async () => {
        const scores = await raw.zrange(`${prefix}budget:replicas`, '0', '-1', 'WITHSCORES');
        return scores.some((s, i) => i % 2 === 1 && Number(s) > stalledAt);
      },
      30_000,
    );
    assert.equal(await slow, true, 'answered from its own book');
    pa.cut();
    pb.cut();
    // 20 spent at the cut: each replica's share is 40.
    assert.equal(await spendAll(a.store), 3);
    assert.equal(await spendAll(b.store), 4);

    pa.mend();
    await until('a to share budgets again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
    await a.store.budgets.flush();
    assert.equal((await counter(raw, prefix)).spent, 60);
    assert.equal(await spendAll(a.store), 0, 'a admits nothing while b may be spending its share');

    pb.mend();
    await until('b to share budgets again', () => b.store.budgets.heldLocallySince() === undefined, 15_000);
    await b.store.budgets.flush();
    await until('the stalled hold to be released', async () => (await counter(raw, prefix)).holds === 0);
    assert.deepEqual(await counter(raw, prefix), { spent: LIMIT, holds: 0 }, 'the cap, and not past it');
  });

  it('a Redis that comes back and goes again before a new read grants no second share', async () => {
    await using server = await startTestRedis();
    await using proxy = await startTcpProxy(Number(new URL(server.url).port));
    using ws = tempWorkspace('switchyard-budget-outage-');
    const prefix = `flap${process.pid}-${++prefixes}:`;
    using raw = rawRedis(server.url);
    const a = replica(proxy.port, prefix, ws.dir);
    try {
      await a.store.ready();
      assert.equal(await spend(a.store), true);
      await a.store.budgets.flush();
      assert.equal(await spend(a.store), true);
      await a.store.budgets.flush();
      proxy.cut();
      // Its last read: 10 spent, its own 10 held; 80 remained, all of it this lone replica's.
      assert.equal(await spendAll(a.store), 8);
      await until('the outage to be said', () => a.warnings.some((w) => w.includes('budgets are no longer shared')));
      proxy.mend();
      await until('shared again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
      proxy.cut();
      assert.equal(await spendAll(a.store), 0, 'what it spent in the first outage still counts');
      proxy.mend();
      await until('shared again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
      assert.equal((await counter(raw, prefix)).spent, LIMIT);
    } finally {
      await a.store.close();
    }
  });

  it('a paused Redis holds no reserve past the bound, and the hold it may have taken is released', async () => {
    await using server = await startTestRedis();
    using ws = tempWorkspace('switchyard-budget-outage-');
    const prefix = `pause${process.pid}-${++prefixes}:`;
    using raw = rawRedis(server.url);
    const a = replica(Number(new URL(server.url).port), prefix, ws.dir);
    try {
      await a.store.ready();
      assert.equal(await spend(a.store), true);
      await a.store.budgets.flush();
      server.freeze();
      // Answered while Redis is still paused: from the replica's own book.
      assert.equal(await spend(a.store), true);
      assert.equal(await spend(a.store), true);
      assert.ok(a.store.budgets.heldLocallySince() !== undefined);
      server.thaw();
      await until('budgets shared again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
      await a.store.budgets.flush();
      await until('the late reserve to be released', async () => (await counter(raw, prefix)).holds === 0);
      assert.deepEqual(await counter(raw, prefix), { spent: 3 * AMOUNT, holds: 0 });
    } finally {
      server.thaw();
      await a.store.close();
    }
  });

  it('a replica held on its own book by one slow reserve shares budgets again while load goes on', async () => {
    await using server = await startTestRedis();
    using ws = tempWorkspace('switchyard-budget-outage-');
    const prefix = `steady${process.pid}-${++prefixes}:`;
    using raw = rawRedis(server.url);
    const a = replica(Number(new URL(server.url).port), prefix, ws.dir);
    const roomy = { ...item(), limit: 1_000_000 };
    let stop = false;
    let spent = 0;
    // Callers spending without pause, between requests a turn of the event loop or a loopback round trip (as a
    // gateway's answers arrive): something settles between any two of the replica's own steps.
    const echo = createServer((socket) => socket.pipe(socket));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const load = async (viaSocket: boolean): Promise<void> => {
      const socket = viaSocket ? connect((echo.address() as AddressInfo).port, '127.0.0.1') : undefined;
      while (!stop) {
        if (await spend(a.store, roomy)) spent += 1;
        if (socket === undefined) await new Promise((r) => setImmediate(r));
        else await new Promise((r) => socket.write('.', () => socket.once('data', r)));
      }
      socket?.destroy();
    };
    try {
      await a.store.ready();
      server.freeze();
      assert.equal(await spend(a.store, roomy), true);
      spent += 1;
      assert.ok(a.store.budgets.heldLocallySince() !== undefined, 'one reserve past the bound holds locally');
      server.thaw();
      const callers = Array.from({ length: 16 }, (_, i) => load(i >= 4));
      try {
        await until('shared again under load', () => a.store.budgets.heldLocallySince() === undefined, 10_000);
      } finally {
        stop = true;
        await Promise.all(callers);
      }
      await a.store.budgets.flush();
      await until('every spend written back', async () => (await counter(raw, prefix)).spent === spent * AMOUNT);
      assert.equal((await counter(raw, prefix)).holds, 0);
    } finally {
      server.thaw();
      echo.close();
      await a.store.close();
    }
  });

  it('refuse: a hard budget is refused as unreachable, a soft one is served; local: counts from zero', async () => {
    await using server = await startTestRedis();
    await using proxy = await startTcpProxy(Number(new URL(server.url).port));
    using ws = tempWorkspace('switchyard-budget-outage-');
    const a = replica(proxy.port, `refuse${process.pid}-${++prefixes}:`, ws.dir);
    try {
      await a.store.ready();
      for (let i = 0; i < 5; i++) assert.equal(await spend(a.store), true);
      // Settled spends are written back in the background: unwritten when Redis goes, they would be outage spend.
      await a.store.budgets.flush();
      proxy.cut();
      a.store.budgets.setOutagePolicy('refuse');
      const now = Date.now();
      const refused = await a.store.budgets.reserve('r1', [item()], now, now + 60_000);
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.unreachable, true);
      assert.equal(await spend(a.store, item('c', true)), true, 'a soft budget never refuses');
      a.store.budgets.setOutagePolicy('local');
      assert.equal(await spendAll(a.store), 9, 'from zero, with the soft spend of 10 on the same counter');
      await until('the outage to be said', () => a.warnings.some((w) => w.includes('budgets are no longer shared')));
    } finally {
      await a.store.close();
    }
  });

  it('a replica restarted mid-outage keeps its share, and its outage spend is written back exactly once', async () => {
    await using server = await startTestRedis();
    await using proxy = await startTcpProxy(Number(new URL(server.url).port));
    using ws = tempWorkspace('switchyard-budget-outage-');
    const prefix = `restart${process.pid}-${++prefixes}:`;
    using raw = rawRedis(server.url);
    const first = replica(proxy.port, prefix, ws.dir);
    await first.store.ready();
    assert.equal(await spend(first.store), true);
    await first.store.budgets.flush();
    const now = Date.now();
    assert.equal((await first.store.budgets.reserve('open', [item()], now, now + 60_000)).ok, true);
    proxy.cut();
    // 80 remained at the cut (10 spent, 10 held), all of it this lone replica's: it spends 2 before it stops.
    assert.equal(await spend(first.store), true);
    assert.equal(await spend(first.store), true);
    await first.store.close();
    const kept = readdirSync(ws.dir).filter((f) => f.startsWith('budget-outage-'));
    assert.equal(kept.length, 1, 'the outage spend is kept beside the state file');
    copyFileSync(join(ws.dir, kept[0]!), join(ws.dir, 'copy.json'));

    const second = replica(proxy.port, prefix, ws.dir);
    try {
      await until('the restarted replica to take the kept spend over', async () => {
        const [state] = await second.store.budgets.read(['c'], Date.now());
        return state!.spent >= 30;
      });
      assert.equal(await spendAll(second.store), 6, 'its share less what it spent before the restart');
      proxy.mend();
      await until('shared again', () => second.store.budgets.heldLocallySince() === undefined, 15_000);
      await second.store.budgets.flush();
      // 10 before the cut, 20 before the restart, 60 after; the hold in flight at the cut runs out unsettled.
      assert.equal((await counter(raw, prefix)).spent, 90);
    } finally {
      await second.store.close();
    }
    // The same kept file found again (a crash before it was removed): nothing is added twice.
    copyFileSync(join(ws.dir, 'copy.json'), join(ws.dir, kept[0]!));
    const third = replica(proxy.port, prefix, ws.dir);
    try {
      await until('the file to be taken over and written', () => !readdirSync(ws.dir).includes(kept[0]!), 15_000);
      assert.equal((await counter(raw, prefix)).spent, 90);
    } finally {
      await third.store.close();
    }
  });

  it('a hold taken during the outage and still out when Redis is back counts there until it settles', async () => {
    await using server = await startTestRedis();
    await using proxy = await startTcpProxy(Number(new URL(server.url).port));
    using ws = tempWorkspace('switchyard-budget-outage-');
    const prefix = `carry${process.pid}-${++prefixes}:`;
    using raw = rawRedis(server.url);
    const a = replica(proxy.port, prefix, ws.dir);
    try {
      await a.store.ready();
      for (let i = 0; i < 8; i++) assert.equal(await spend(a.store), true);
      await a.store.budgets.flush();
      proxy.cut();
      const open = item();
      const t = Date.now();
      assert.equal((await a.store.budgets.reserve('out-at-the-end', [open], t, t + 60_000)).ok, true);
      assert.ok(a.store.budgets.heldLocallySince() !== undefined, 'taken on its own book');
      proxy.mend();
      await until('shared again', () => a.store.budgets.heldLocallySince() === undefined, 15_000);
      assert.deepEqual(await counter(raw, prefix), { spent: 80, holds: 1 }, 'the hold still out is in Redis');
      // 80 spent and 10 held: room for one more, not two.
      assert.equal(await spendAll(a.store), 1);
      a.store.budgets.settle('out-at-the-end', [{ counter: 'c', amount: AMOUNT, resetsAt: open.resetsAt }]);
      await a.store.budgets.flush();
      assert.deepEqual(await counter(raw, prefix), { spent: 100, holds: 0 }, 'settled once, its hold gone');
    } finally {
      await a.store.close();
    }
  });
});
