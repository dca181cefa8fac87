// The BudgetStore conformance suite (src/state/budget-store.ts): every state store's `budgets` runs it through a
// factory whose `open()` is a new handle on the same backing state, standing in for a second process.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { HoldItem } from '../../src/state/budget-store.ts';
import { conformanceHandles, type SkipList, type StoreFactory } from './conformance-handles.ts';
import { counterKey, scopeText, type BudgetLimit } from '../../src/budgets/rules.ts';

// From the real clock: the SQLite and Redis stores drop a counter a week after its window reset by the real clock
// (KEEP_AFTER_RESET_MS), so a fixed date here made every counter vanish a week on (2026-11-30 13:00 UTC).
const NOW = Math.floor(Date.now() / 1000) * 1000;
const LATER = NOW + 600_000;
const RESETS = NOW + 3_600_000;

function item(counter: string, limit: number, amount: number, soft = false): HoldItem {
  return { counter, limit, amount, soft, resetsAt: RESETS };
}

/** A `per_user: true` budget's limit, as the plan makes it from the config. */
function perUserLimit(): BudgetLimit {
  const scope = { kind: 'client_key', name: 'coding', perUser: true } as const;
  return {
    budget: 'each-dev',
    scope,
    scopeText: scopeText(scope),
    level: 'call',
    resource: 'usd',
    window: 'hour',
    limit: 10,
    soft: false,
    reserveTokens: 4096,
  };
}

export function budgetStoreConformance(name: string, makeFactory: () => StoreFactory, skip: SkipList = {}): void {
  describe(`BudgetStore conformance: ${name}`, () => {
    const { fresh, open, test } = conformanceHandles(makeFactory, skip);

    test('a hold counts as reserved until settled, then as spent', async () => {
      const { budgets } = await open(fresh());
      const r = await budgets.reserve('h1', [item('c', 100, 30)], NOW, LATER);
      assert.deepEqual(r, { ok: true, softOver: [], before: [{ spent: 0, reserved: 0 }] });
      assert.deepEqual(await budgets.read(['c'], NOW), [{ spent: 0, reserved: 30 }]);
      budgets.settle('h1', [{ counter: 'c', amount: 12, resetsAt: RESETS }]);
      assert.deepEqual(await budgets.read(['c'], NOW), [{ spent: 12, reserved: 0 }]);
    });

    test('a settle of 0 releases the hold without spending', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('c', 100, 30)], NOW, LATER);
      budgets.settle('h1', [{ counter: 'c', amount: 0, resetsAt: RESETS }]);
      assert.deepEqual(await budgets.read(['c'], NOW), [{ spent: 0, reserved: 0 }]);
    });

    test('refuses all or nothing once a hard counter has no room, naming it', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('b', 10, 10)], NOW, LATER);
      const r = await budgets.reserve('h2', [item('a', 100, 5), item('b', 10, 1)], NOW, LATER);
      assert.deepEqual(r, { ok: false, refused: 1, state: { spent: 0, reserved: 10 } });
      assert.deepEqual(await budgets.read(['a', 'b'], NOW), [
        { spent: 0, reserved: 0 },
        { spent: 0, reserved: 10 },
      ]);
    });

    test('a counter below its limit admits one more hold, however large', async () => {
      const { budgets } = await open(fresh());
      assert.equal((await budgets.reserve('h1', [item('c', 10, 9)], NOW, LATER)).ok, true);
      assert.equal((await budgets.reserve('h2', [item('c', 10, 50)], NOW, LATER)).ok, true);
      assert.equal((await budgets.reserve('h3', [item('c', 10, 1)], NOW, LATER)).ok, false);
    });

    test('a soft counter over its limit still holds, and says so', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('s', 5, 5, true)], NOW, LATER);
      const r = await budgets.reserve('h2', [item('x', 100, 1), item('s', 5, 1, true)], NOW, LATER);
      assert.equal(r.ok, true);
      assert.deepEqual(r.ok && r.softOver, [1]);
      assert.deepEqual(await budgets.read(['s'], NOW), [{ spent: 0, reserved: 6 }]);
    });

    test('a hold that ran out (its process died) stops counting', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('c', 10, 10)], NOW, NOW + 1000);
      assert.equal((await budgets.reserve('h2', [item('c', 10, 1)], NOW + 500, LATER)).ok, false);
      assert.equal((await budgets.reserve('h3', [item('c', 10, 1)], NOW + 1000, LATER)).ok, true);
      assert.deepEqual(await budgets.read(['c'], NOW + 1000), [{ spent: 0, reserved: 1 }]);
    });

    test('a settle after its hold ran out still counts what was spent', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('c', 100, 10)], NOW, NOW + 1000);
      budgets.settle('h1', [{ counter: 'c', amount: 7, resetsAt: RESETS }]);
      assert.deepEqual(await budgets.read(['c'], NOW + 2000), [{ spent: 7, reserved: 0 }]);
    });

    test('two processes share counters: a hold taken by one keeps the other out', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      await a.budgets.reserve('h1', [item('c', 10, 10)], NOW, LATER);
      assert.equal((await b.budgets.reserve('h2', [item('c', 10, 1)], NOW, LATER)).ok, false);
      a.budgets.settle('h1', [{ counter: 'c', amount: 4, resetsAt: RESETS }]);
      await a.budgets.flush();
      assert.deepEqual(await b.budgets.read(['c'], NOW), [{ spent: 4, reserved: 0 }]);
      assert.equal((await b.budgets.reserve('h3', [item('c', 10, 1)], NOW, LATER)).ok, true);
    });

    test('a seed sets the spend of a counter with none, and is read back with its time', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('c', 100, 30)], NOW, LATER);
      assert.equal(await budgets.seed('c', { amount: 40, at: NOW }, RESETS), true);
      assert.deepEqual(await budgets.read(['c'], NOW), [{ spent: 40, reserved: 30, seeded: { amount: 40, at: NOW } }]);
      budgets.settle('h1', [{ counter: 'c', amount: 12, resetsAt: RESETS }]);
      assert.equal((await budgets.read(['c'], NOW))[0]!.spent, 52);
      assert.equal(await budgets.seed('c', { amount: 99, at: NOW }, RESETS), false);
      assert.equal((await budgets.read(['c'], NOW))[0]!.spent, 52);
    });

    test("a per-user budget's counters are one per end user: one user spent, another still admitted", async () => {
      const { budgets } = await open(fresh());
      const limit = perUserLimit();
      // Users as callers send them: quotes, braces (a Redis hash tag's characters), spaces, non-ASCII.
      const users = ['alice', 'bob {x}', 'zoë "z"', ''];
      const counters = users.map((u) => counterKey(limit, NOW, u));
      assert.equal(new Set(counters).size, users.length);
      await budgets.reserve('h1', [item(counters[0]!, 10, 10)], NOW, LATER);
      budgets.settle('h1', [{ counter: counters[0]!, amount: 10, resetsAt: RESETS }]);
      assert.equal((await budgets.reserve('h2', [item(counters[0]!, 10, 1)], NOW, LATER)).ok, false);
      for (const [i, c] of counters.slice(1).entries())
        assert.equal((await budgets.reserve(`h${i + 3}`, [item(c, 10, 1)], NOW, LATER)).ok, true, users[i + 1]);
      assert.deepEqual(await budgets.read(counters, NOW), [
        { spent: 10, reserved: 0 },
        { spent: 0, reserved: 1 },
        { spent: 0, reserved: 1 },
        { spent: 0, reserved: 1 },
      ]);
    });

    test('a counter with spend recorded is not seeded', async () => {
      const { budgets } = await open(fresh());
      await budgets.reserve('h1', [item('c', 100, 30)], NOW, LATER);
      budgets.settle('h1', [{ counter: 'c', amount: 5, resetsAt: RESETS }]);
      await budgets.flush();
      assert.equal(await budgets.seed('c', { amount: 40, at: NOW }, RESETS), false);
      assert.deepEqual(await budgets.read(['c'], NOW), [{ spent: 5, reserved: 0 }]);
    });

    test('processes racing to seed a counter seed it once', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const seeded = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).budgets.seed('c', { amount: 40, at: NOW + i }, RESETS),
        ),
      );
      assert.equal(seeded.filter(Boolean).length, 1);
      assert.equal((await b.budgets.read(['c'], NOW))[0]!.spent, 40);
    });

    test('50 racing reserves from two processes overshoot a cap by at most one hold', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const limit = 1000;
      const amount = 70;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? a : b).budgets.reserve(`r${i}`, [item('c', limit, amount)], NOW, LATER),
        ),
      );
      const admitted = results.filter((r) => r.ok).length;
      // Admitted while below the cap: ceil(1000 / 70) = 15 holds, 1050 held, 50 over — less than one hold.
      assert.equal(admitted, Math.ceil(limit / amount));
      const [state] = await a.budgets.read(['c'], NOW);
      assert.ok(state!.reserved - limit < amount, `held ${state!.reserved} against ${limit}`);
    });
  });
}
