// What a replica on Redis holds back for replicas it no longer sees (src/state/redis/budget-absent.ts): their share,
// until they are seen again or their presence lapses. A replica killed with -9 never says it left: its share must come
// back when its presence lapses, not a minute later (issue 51).
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { ABSENT_AFTER_MS, AbsentReplicas, type ReadSnapshot } from '../../src/state/redis/budget-absent.ts';
import { PRESENCE_TTL_MS } from '../../src/state/redis/replicas.ts';
import { RedisBudgetStore } from '../../src/state/redis/budgets.ts';
import type { HoldItem, ReserveResult } from '../../src/state/budget-store.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const LIMIT = 1000;
const T0 = 1_000_000;

/** A read of counter `c` with `spent` of it spent, two replicas live. */
function snapshot(at: number, spent: number): ReadSnapshot {
  return { at, reads: new Map([['c', { spent, reserved: 0 }]]), replicas: 2 };
}

/** What a beat at `at` returns: every replica whose presence has not lapsed, with when it was last seen. */
function beat(at: number, lastSeen: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(lastSeen).filter(([, seen]) => at - seen < PRESENCE_TTL_MS));
}

test('a replica no longer seen is held back for until its presence lapses, then its share comes back', () => {
  const absent = new AbsentReplicas();
  absent.observe('a', beat(T0, { a: T0, b: T0 }), snapshot(T0, 200));
  assert.equal(absent.holdBack('c', LIMIT), 0, 'both seen: nothing held back');

  // b is killed with -9 right after T0: it never beats again.
  const missing = T0 + ABSENT_AFTER_MS + 250;
  absent.observe('a', beat(missing, { a: missing, b: T0 }), snapshot(missing, 300));
  assert.equal(absent.holdBack('c', LIMIT), 400, "b's share of what remained when it was last seen: (1000 - 200) / 2");
  assert.equal(absent.lapsesAt(), T0 + PRESENCE_TTL_MS, 'the hold-back ends when its presence lapses');

  const lapsed = T0 + PRESENCE_TTL_MS;
  absent.observe('a', beat(lapsed, { a: lapsed, b: T0 }), snapshot(lapsed, 300));
  assert.equal(absent.size, 0, 'b is gone');
  assert.equal(absent.holdBack('c', LIMIT), 0, "b's share is this replica's again");
  assert.equal(absent.lapsesAt(), undefined);
});

test('a replica whose own last read is older than the one its share is taken from is held back its share of its own', () => {
  const absent = new AbsentReplicas();
  absent.observe('a', beat(T0, { a: T0, b: T0 }), snapshot(T0, 200));
  const missing = T0 + ABSENT_AFTER_MS + 250;
  absent.observe('a', beat(missing, { a: missing, b: T0 }), snapshot(missing, 300));
  // b last read 100 spent: it shares out the 900 that remained then, not the 800 a read.
  const readOf = (id: string): number | undefined => (id === 'b' ? 100 : undefined);
  assert.equal(absent.holdBack('c', LIMIT, readOf), 450);
  assert.deepEqual(absent.heldBackAtOutage('c', LIMIT, beat(missing, { a: missing, b: T0 }), missing, readOf), {
    amount: 450,
    among: 1,
    ids: ['b'],
  });
  // A read of b fresher than a's: the share of a's older read still stands.
  assert.equal(
    absent.holdBack('c', LIMIT, () => 600),
    400,
  );
});

test('a replica seen again before its presence lapses is no longer held back for', () => {
  const absent = new AbsentReplicas();
  absent.observe('a', beat(T0, { a: T0, b: T0 }), snapshot(T0, 0));
  const missing = T0 + 2 * ABSENT_AFTER_MS;
  absent.observe('a', beat(missing, { a: missing, b: T0 }), snapshot(missing, 0));
  assert.equal(absent.size, 1);
  const back = missing + 250;
  absent.observe('a', beat(back, { a: back, b: back }), snapshot(back, 0));
  assert.equal(absent.size, 0);
});

test('after an outage, a replica not back yet is held back for one presence from the return, not from its last beat', () => {
  const absent = new AbsentReplicas();
  const before = new Map([
    ['a', T0],
    ['b', T0],
  ]);
  // Redis was down for 10 s: b's presence lapsed meanwhile, as a's did. a is back first.
  const back = T0 + 10_000;
  absent.afterOutage('a', before, new Map([['a', back]]), snapshot(T0, 200), back);
  assert.equal(absent.holdBack('c', LIMIT), 400, 'b may still be spending its share on its own book');
  assert.equal(absent.lapsesAt(), back + PRESENCE_TTL_MS);

  const soon = back + 250;
  absent.observe('a', beat(soon, { a: soon }), snapshot(soon, 600));
  assert.equal(absent.holdBack('c', LIMIT), 400, 'not lapsed yet: b has had no time to come back');
  assert.deepEqual(absent.expected(soon), ['b'], "b's holds still count, though the presence set dropped it");

  // b never comes back (it died during the outage): its share comes back one presence after a's return.
  const lapsed = back + PRESENCE_TTL_MS;
  absent.observe('a', beat(lapsed, { a: lapsed }), snapshot(lapsed, 600));
  assert.equal(absent.holdBack('c', LIMIT), 0);
  assert.deepEqual(absent.expected(lapsed), []);
});

describe(
  'a replica killed without leaving, seen from the one left on Redis',
  { skip: REDIS_MISSING, timeout: 60_000 },
  () => {
    it("refuses for the dead one's share saying so, with a retry at its lapse, and admits again once it lapses", async () => {
      await using server = await startTestRedis();
      const clients = [new Redis(server.url), new Redis(server.url)];
      await Promise.all(clients.map((c) => c.ping()));
      // The survivor's clock, moved on by the test so that the dead replica's last beat ages without waiting for it.
      let skew = 0;
      const now = (): number => Date.now() + skew;
      const prefix = `absent${process.pid}:`;
      const a = new RedisBudgetStore(clients[0]!, { prefix, now, warn: () => {} });
      const b = new RedisBudgetStore(clients[1]!, { prefix, warn: () => {} });
      const item: HoldItem = { counter: 'c', limit: 100, amount: 10, soft: false, resetsAt: Date.now() + 86_400_000 };
      let holds = 0;
      const reserve = async (): Promise<ReserveResult> => {
        const hold = `h${++holds}`;
        const r = await a.reserve(hold, [item], now(), now() + 60_000);
        if (r.ok) a.settle(hold, [{ counter: 'c', amount: item.amount, resetsAt: item.resetsAt }]);
        await a.flush();
        return r;
      };
      /** Reserves and releases at once: whether the survivor would admit a request, spending nothing. */
      const admits = async (): Promise<ReserveResult> => {
        const hold = `p${++holds}`;
        const r = await a.reserve(hold, [item], now(), now() + 60_000);
        if (r.ok) a.settle(hold, [{ counter: 'c', amount: 0, resetsAt: item.resetsAt }]);
        await a.flush();
        return r;
      };
      try {
        await until('both replicas to count each other', () => a.replicas() === 2 && b.replicas() === 2);
        // And each seen since: the survivor's share of b is from a read it made with both replicas counted.
        const counted = Date.now();
        await until('a beat of each since', async () => {
          const flat = await clients[0]!.zrange(`${prefix}budget:replicas`, '0', '-1', 'WITHSCORES');
          return flat.length === 4 && Number(flat[1]) > counted && Number(flat[3]) > counted;
        });
        for (let i = 0; i < 4; i++) assert.equal((await reserve()).ok, true);
        await a.read(['c'], now());

        // b dies as kill -9 leaves it: no more beats, and no word that it left.
        clients[1]!.disconnect();
        // 40 spent when b was last seen: b's share is 30 of the 60 that remained; 70 is what the survivor may reach.
        for (let i = 0; i < 3; i++) assert.equal((await reserve()).ok, true);

        skew = ABSENT_AFTER_MS + 500;
        const last: { result?: ReserveResult } = {};
        await until("the survivor to hold b's share back", async () => !(last.result = await admits()).ok);
        const refused = last.result!;
        assert.ok(!refused.ok);
        assert.equal(refused.unreachable, undefined);
        assert.ok(refused.heldBack !== undefined, 'refused for the share held back, not the budget spent');
        assert.equal(refused.state.spent, 70);
        assert.ok(
          refused.heldBack.amount >= 30 && refused.heldBack.amount <= 50,
          `held back ${refused.heldBack.amount}`,
        );
        const left = refused.heldBack.until - now();
        assert.ok(left > 0 && left <= PRESENCE_TTL_MS, `the hold-back ends within a presence: ${left} ms`);

        // b's presence lapses: its share is the survivor's again, long before any fixed minute.
        skew = PRESENCE_TTL_MS + 500;
        await until("b's share to come back once its presence lapsed", async () => (await admits()).ok);
        for (let i = 0; i < 3; i++) assert.equal((await reserve()).ok, true, 'spent to the cap');
        const spent = await admits();
        assert.ok(!spent.ok && spent.heldBack === undefined, 'at the cap it is the budget spent');
      } finally {
        await a.close();
        await b.close();
        for (const c of clients) c.disconnect();
      }
    });
  },
);

describe('the holds of a replica killed mid-call', { skip: REDIS_MISSING, timeout: 60_000 }, () => {
  it('stop counting once its presence lapses, and its settle still counts if it comes back', async () => {
    await using server = await startTestRedis();
    const clients = [new Redis(server.url), new Redis(server.url, { lazyConnect: true })];
    await clients[0]!.ping();
    await clients[1]!.connect();
    let skew = 0;
    const now = (): number => Date.now() + skew;
    const prefix = `dead-holds${process.pid}:`;
    const a = new RedisBudgetStore(clients[0]!, { prefix, now, warn: () => {} });
    const b = new RedisBudgetStore(clients[1]!, { prefix, warn: () => {} });
    const item: HoldItem = { counter: 'c', limit: 100, amount: 10, soft: false, resetsAt: Date.now() + 86_400_000 };
    try {
      await until('both replicas to count each other', () => a.replicas() === 2 && b.replicas() === 2);
      // b's call holds the whole budget, and b is killed before it settles.
      const at = Date.now();
      assert.equal((await b.reserve('call', [{ ...item, amount: 100 }], at, at + 600_000)).ok, true);
      clients[1]!.disconnect();
      const held = await a.reserve('early', [item], now(), now() + 60_000);
      assert.ok(!held.ok && held.state.reserved === 100, 'held by a call in flight while b may be alive');

      skew = PRESENCE_TTL_MS + 500;
      let probes = 0;
      await until("b's hold to stop counting once its presence lapsed", async () => {
        const hold = `probe${++probes}`;
        const r = await a.reserve(hold, [item], now(), now() + 60_000);
        if (r.ok) a.settle(hold, [{ counter: 'c', amount: 0, resetsAt: item.resetsAt }]);
        await a.flush();
        return r.ok;
      });
      assert.deepEqual(await a.read(['c'], now()), [{ spent: 0, reserved: 0 }], "b's hold is not counted");

      // b was not dead after all (a partition): back, it settles its call, and the spend is counted once.
      skew = 0;
      await clients[1]!.connect();
      b.settle('call', [{ counter: 'c', amount: 70, resetsAt: item.resetsAt }]);
      await until('b to share budgets again and write its settle', async () => {
        await b.flush();
        return (await a.read(['c'], now()))[0]!.spent === 70;
      });
    } finally {
      await a.close();
      await b.close();
      for (const c of clients) c.disconnect();
    }
  });
});

describe('the holds of replicas cut off by an outage', { skip: REDIS_MISSING, timeout: 60_000 }, () => {
  it('still count when this replica is back first, though their presence lapsed meanwhile', async () => {
    await using server = await startTestRedis();
    await using pa = await startTcpProxy(server.port);
    await using pb = await startTcpProxy(server.port);
    const reconnect = { retryStrategy: () => 50 };
    const clients = [
      new Redis(`redis://127.0.0.1:${pa.port}/0`, reconnect),
      new Redis(`redis://127.0.0.1:${pb.port}/0`, reconnect),
    ];
    // A cut connection is what the test is about, not an error to report.
    for (const c of clients) c.on('error', () => {});
    await Promise.all(clients.map((c) => c.ping()));
    let skew = 0;
    const now = (): number => Date.now() + skew;
    const prefix = `outage-holds${process.pid}:`;
    const a = new RedisBudgetStore(clients[0]!, { prefix, now, warn: () => {} });
    const b = new RedisBudgetStore(clients[1]!, { prefix, warn: () => {} });
    const item: HoldItem = { counter: 'c', limit: 100, amount: 10, soft: false, resetsAt: Date.now() + 86_400_000 };
    try {
      await until('both replicas to count each other', () => a.replicas() === 2 && b.replicas() === 2);
      // b's call holds the whole budget when Redis goes away for both.
      const at = Date.now();
      assert.equal((await b.reserve('call', [{ ...item, amount: 100 }], at, at + 600_000)).ok, true);
      pa.cut();
      pb.cut();
      await a.read(['c'], now());
      assert.ok(a.heldLocallySince() !== undefined, 'a holds budgets on its own');

      // A long outage: every presence lapsed meanwhile. a is back first; b, still cut off, may still be in its call.
      skew = PRESENCE_TTL_MS + 1_000;
      pa.mend();
      await until('a to share budgets again', () => a.heldLocallySince() === undefined, 15_000);
      const r = await a.reserve('after', [item], now(), now() + 60_000);
      assert.ok(
        !r.ok && r.state.reserved === 100,
        "b's hold still counts until b has had a presence's time to be back",
      );

      // b never comes back: one presence after a's return, its hold stops counting.
      skew += PRESENCE_TTL_MS + 1_000;
      let probes = 0;
      await until("b's hold to stop counting", async () => {
        const hold = `probe${++probes}`;
        const probe = await a.reserve(hold, [item], now(), now() + 60_000);
        if (probe.ok) a.settle(hold, [{ counter: 'c', amount: 0, resetsAt: item.resetsAt }]);
        await a.flush();
        return probe.ok;
      });
    } finally {
      pb.mend();
      await a.close();
      await b.close();
      for (const c of clients) c.disconnect();
    }
  });
});

test(
  "a hold taken with a caller's clock days behind the replicas' keeps counting across another replica's beat",
  { skip: REDIS_MISSING },
  async () => {
    await using server = await startTestRedis();
    const clients = [new Redis(server.url), new Redis(server.url)];
    const prefix = `clock${process.pid}:`;
    // The replicas' clocks: a's stands still (it beats once), b's is moved on by the test.
    const F = Date.now();
    let bNow = F;
    const a = new RedisBudgetStore(clients[0]!, { prefix, now: () => F, warn: () => {} });
    const b = new RedisBudgetStore(clients[1]!, { prefix, now: () => bNow, warn: () => {} });
    const presence = `${prefix}budget:replicas`;
    const beatsAt = async (at: number): Promise<number> =>
      ((await clients[0]!.zrange(presence, '0', '-1', 'WITHSCORES')) as string[]).filter(
        (v, i) => i % 2 === 1 && Number(v) === at,
      ).length;
    try {
      await until('both replicas to beat once', async () => (await beatsAt(F)) === 2);
      // The caller's `now` (a budget plan's, a test's fixed date) is two days behind the replicas' clocks.
      const callerNow = F - 2 * 86_400_000;
      const hold = (amount: number): HoldItem[] => [
        { counter: 'c', limit: 10, amount, soft: false, resetsAt: callerNow + 3_600_000 },
      ];
      assert.equal((await a.reserve('h1', hold(10), callerNow, callerNow + 600_000)).ok, true);
      // b beats again: a presence older than one TTL on b's clock would be dropped, and a's hold stop counting.
      bNow = F + 300;
      await until("b's next beat", async () => (await beatsAt(bNow)) === 1);
      const r: ReserveResult = await b.reserve('h2', hold(1), callerNow, callerNow + 600_000);
      assert.equal(r.ok, false, "a's hold still counts: a is present on the replicas' clocks");
    } finally {
      await a.close();
      await b.close();
      for (const c of clients) c.disconnect();
    }
  },
);
