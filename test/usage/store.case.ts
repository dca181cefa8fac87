// The UsageStore conformance suite: every store (SQLite, PostgreSQL) runs it through a factory whose `open()` is a
// new handle on the same database, standing in for a second gateway.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageStore } from '../../src/usage/store.ts';
import type { UsageRow } from '../../src/usage/row.ts';
import { hashUser } from '../../src/calls/end-user.ts';

export interface UsageStoreFactory {
  open(): Promise<UsageStore>;
  cleanup(): Promise<void>;
}

const T0 = Date.parse('2026-11-20T10:15:00Z');

export function usageRow(over: Partial<UsageRow> & { id: string }): UsageRow {
  return {
    at: T0,
    client_key: 'alice',
    task: 'main',
    model: 'gpt-4o',
    alias: '',
    route: 'oa/gpt-4o',
    credential: 'fp1',
    attempts: 1,
    input_tokens: 100,
    output_tokens: 20,
    cache_read_tokens: 10,
    cache_write_tokens: 0,
    reasoning_tokens: 5,
    estimated: false,
    cost_usd: 0.001,
    status: 'ok',
    failure_kind: '',
    latency_ms: 12.5,
    ttft_ms: null,
    stream_end: '',
    charges: [
      {
        route: 'oa/gpt-4o',
        credential: 'fp1',
        outcome: 'ok',
        input_tokens: 100,
        output_tokens: 20,
        cache_read_tokens: 10,
        cache_write_tokens: 0,
        reasoning_tokens: 5,
        estimated: false,
        cost_usd: 0.001,
      },
    ],
    ...over,
  };
}

export function usageStoreConformance(
  name: string,
  makeFactory: () => Promise<UsageStoreFactory>,
  skip?: string,
): void {
  describe(`UsageStore conformance: ${name}`, { skip }, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    const fresh = async (): Promise<{ a: UsageStore; b: UsageStore }> => {
      const f = await makeFactory();
      const a = await f.open();
      const b = await f.open();
      cleanups.push(
        f.cleanup,
        () => a.close(),
        () => b.close(),
      );
      await a.open();
      await b.open();
      return { a, b };
    };

    it('rows are read back whole, newest first, a page at a time, with filters', async () => {
      const { a, b } = await fresh();
      const rows = Array.from({ length: 5 }, (_, i) =>
        usageRow({
          id: `r${i}`,
          at: T0 + i * 1000,
          client_key: i % 2 ? 'bob' : 'alice',
          ttft_ms: i === 0 ? 3.5 : null,
        }),
      );
      await a.write(rows);
      const page1 = await b.requests({ limit: 2 });
      assert.deepEqual(
        page1.rows.map((r) => r.id),
        ['r4', 'r3'],
      );
      const page2 = await b.requests({ limit: 2, before: page1.next! });
      assert.deepEqual(
        page2.rows.map((r) => r.id),
        ['r2', 'r1'],
      );
      const page3 = await b.requests({ limit: 2, before: page2.next! });
      assert.deepEqual(page3.rows, [rows[0]]);
      assert.equal(page3.next, undefined);
      const bob = await b.requests({ limit: 10, client_key: 'bob' });
      assert.deepEqual(
        bob.rows.map((r) => r.id),
        ['r3', 'r1'],
      );
    });

    it('a row whose one charge is not the row itself reads back with that charge as it was', async () => {
      const { a, b } = await fresh();
      const charge = usageRow({ id: 'x' }).charges[0]!;
      const differing = [
        { outcome: 'server' },
        { route: 'oa/gpt-4o-mini' },
        { credential: 'fp2' },
        { output_tokens: 19 },
        { estimated: true },
        { cost_usd: null },
      ];
      const rows = differing.map((over, i) => usageRow({ id: `d${i}`, at: T0 + i, charges: [{ ...charge, ...over }] }));
      await a.write(rows);
      assert.deepEqual((await b.requests({ limit: 10 })).rows, rows.reverse());
    });

    it("the secrets guard's action is kept per row and totalled by action; a row it passed has none", async () => {
      const { a, b } = await fresh();
      await a.write([
        usageRow({ id: 'g1', guard: 'redact' }),
        usageRow({ id: 'g2', at: T0 + 1, guard: 'log', input_tokens: 50 }),
        usageRow({ id: 'g3', at: T0 + 2 }),
      ]);
      assert.deepEqual(
        (await b.requests({ limit: 10 })).rows.map((r) => [r.id, r.guard]),
        [
          ['g3', undefined],
          ['g2', 'log'],
          ['g1', 'redact'],
        ],
      );
      const totals = await b.guardTotals({ since: T0 - 3_600_000 });
      assert.deepEqual(totals.map((t) => [t.guard, t.requests, t.input_tokens]).sort(), [
        ['log', 1, 50],
        ['redact', 1, 100],
      ]);
    });

    it('end users are kept per row, totalled by user and filtered by user, hashed or not', async () => {
      const { a, b } = await fresh();
      const hashed = hashUser('carol');
      await a.write([
        usageRow({ id: 'u1', user: 'dave' }),
        usageRow({ id: 'u2', at: T0 + 1, user: 'dave', cost_usd: 0.002, input_tokens: 50 }),
        usageRow({ id: 'u3', at: T0 + 2, user: hashed }),
        usageRow({ id: 'u4', at: T0 + 3 }),
      ]);
      const read = await b.requests({ limit: 10 });
      assert.deepEqual(
        read.rows.map((r) => [r.id, r.user]),
        [
          ['u4', undefined],
          ['u3', hashed],
          ['u2', 'dave'],
          ['u1', 'dave'],
        ],
      );
      const byUser = await b.totals({ by: 'user', since: T0 - 3_600_000 }, T0);
      assert.deepEqual(
        byUser.map((g) => [g.group, g.requests, g.input_tokens, Number(g.cost_usd.toFixed(6))]),
        [
          ['', 1, 100, 0.001],
          ['dave', 2, 150, 0.003],
          [hashed, 1, 100, 0.001],
        ],
      );
      // An operator names the user as it came: a key that hashes its users is matched all the same.
      const carol = await b.totals({ by: 'client_key', since: T0 - 3_600_000, user: 'carol' }, T0);
      assert.deepEqual(
        carol.map((g) => [g.group, g.requests]),
        [['alice', 1]],
      );
      const daveRows = await b.requests({ limit: 10, user: 'dave' });
      assert.deepEqual(
        daveRows.rows.map((r) => r.id),
        ['u2', 'u1'],
      );
    });

    it('rollups add up each attempt on its own route and credential, the request where it was answered', async () => {
      const { a, b } = await fresh();
      const fallback = usageRow({
        id: 'f1',
        route: 'an/claude',
        credential: 'fp2',
        attempts: 2,
        cost_usd: null,
        charges: [
          { ...usageRow({ id: 'x' }).charges[0]!, outcome: 'server', output_tokens: 0, estimated: true },
          { ...usageRow({ id: 'x' }).charges[0]!, route: 'an/claude', credential: 'fp2', cost_usd: null },
        ],
      });
      await a.write([usageRow({ id: 'n1' }), fallback]);
      // The same rows again (a retried batch) change nothing.
      await b.write([usageRow({ id: 'n1' })]);
      const byRoute = await b.totals({ by: 'route', since: T0 - 3_600_000 }, T0);
      assert.deepEqual(
        byRoute.map((g) => [g.group, g.requests, g.input_tokens, g.output_tokens, g.unpriced, g.estimated]),
        [
          ['an/claude', 1, 100, 20, 1, 0],
          ['oa/gpt-4o', 1, 200, 20, 0, 1],
        ],
      );
      const byDay = await b.totals({ by: 'day', since: T0 - 86_400_000 }, T0);
      assert.equal(byDay.length, 1);
      assert.equal(byDay[0]!.group, '2026-11-20');
      assert.equal(byDay[0]!.requests, 2);
      assert.equal(byDay[0]!.input_tokens, 300);
      assert.equal(byDay[0]!.cache_read_tokens, 30);
      assert.equal(byDay[0]!.reasoning_tokens, 15);
      assert.ok(Math.abs(byDay[0]!.cost_usd - 0.002) < 1e-12);
      const alice = await b.totals({ by: 'credential', since: T0 - 3_600_000, client_key: 'alice' }, T0);
      assert.deepEqual(
        alice.map((g) => g.group),
        ['fp1', 'fp2'],
      );
      assert.deepEqual(await b.totals({ by: 'task', since: T0 + 3_600_000 }, T0 + 3_600_000), []);
    });

    it('two writers at once: every row counted once in the rollups', async () => {
      const { a, b } = await fresh();
      const batch = (p: string) => Array.from({ length: 40 }, (_, i) => usageRow({ id: `${p}${i}`, at: T0 + i }));
      await Promise.all([a.write(batch('a')), b.write(batch('b')), a.write(batch('c')), b.write(batch('d'))]);
      const [t] = await a.totals({ by: 'task', since: T0 }, T0);
      assert.equal(t!.requests, 160);
      assert.equal(t!.input_tokens, 16_000);
    });

    it('a tool call is a row of its own: read back with its server, tool and bytes, kept out of the token rollups', async () => {
      const { a, b } = await fresh();
      const tool = (id: string, toolName: string, status: string, at = T0): UsageRow =>
        usageRow({
          id,
          at,
          task: '',
          model: '',
          route: '',
          credential: '',
          input_tokens: 0,
          output_tokens: 0,
          cache_read_tokens: 0,
          reasoning_tokens: 0,
          cost_usd: null,
          charges: [],
          status,
          latency_ms: 40,
          mcp_server: 'files',
          tool: toolName,
          request_bytes: 30,
          response_bytes: 500,
        });
      await a.write([usageRow({ id: 'model' }), tool('t1', 'read', 'ok'), tool('t2', 'read', 'tool_error', T0 + 1)]);
      await a.write([tool('t3', 'write', 'refused', T0 + 2)]);
      const rows = (await b.requests({ limit: 10 })).rows;
      assert.deepEqual(
        rows.find((r) => r.id === 't1'),
        tool('t1', 'read', 'ok'),
      );
      assert.equal(rows.find((r) => r.id === 'model')?.tool, undefined);
      assert.deepEqual(
        (await b.requests({ limit: 10, kind: 'tool' })).rows.map((r) => r.id),
        ['t3', 't2', 't1'],
      );
      assert.deepEqual(
        (await b.requests({ limit: 10, kind: 'model' })).rows.map((r) => r.id),
        ['model'],
      );
      const [t] = await b.totals({ by: 'client_key', since: T0 }, T0);
      assert.equal(t!.requests, 1, 'the model request only');
      assert.deepEqual(await b.toolTotals({ since: T0 }), [
        {
          mcp_server: 'files',
          tool: 'read',
          calls: 2,
          failed: 1,
          admitted: 2,
          latency_ms: 40,
          request_bytes: 60,
          response_bytes: 1000,
        },
        {
          mcp_server: 'files',
          tool: 'write',
          calls: 1,
          failed: 1,
          // Refused: never counted by a budget.
          admitted: 0,
          latency_ms: 40,
          request_bytes: 30,
          response_bytes: 500,
        },
      ]);
      assert.deepEqual(await b.toolTotals({ since: T0, client_key: 'bob' }), []);
    });

    it('the audit keeps who took each action, read back newest first from another handle', async () => {
      const { a, b } = await fresh();
      const action = { role: 'operator', via: 'sso', action: 'reset', target: 'mimo', outcome: 'ok' };
      await a.writeAudit({ at: T0, who: 'ada@example.com', ...action });
      await a.writeAudit({ at: T0 + 1000, who: 'bob@example.com', ...action, target: 'mimo/fp1' });
      await a.writeAudit({ at: T0 - 86_400_000, who: 'old@example.com', ...action });
      assert.deepEqual(await b.audit({ since: T0, limit: 10 }), [
        { at: T0 + 1000, who: 'bob@example.com', ...action, target: 'mimo/fp1' },
        { at: T0, who: 'ada@example.com', ...action },
      ]);
      assert.equal((await b.audit({ since: 0, limit: 1 })).length, 1);
      await a.prune(T0 - 30 * 86_400_000, T0 - 3600_000);
      assert.deepEqual(
        (await b.audit({ since: 0, limit: 10 })).map((e) => e.who),
        ['bob@example.com', 'ada@example.com'],
      );
    });

    it('prune drops rows and rollups past their retention', async () => {
      const { a } = await fresh();
      await a.write([usageRow({ id: 'old', at: T0 - 40 * 86_400_000 }), usageRow({ id: 'new' })]);
      await a.prune(T0 - 30 * 86_400_000, T0 - 35 * 86_400_000);
      assert.deepEqual(
        (await a.requests({ limit: 10 })).rows.map((r) => r.id),
        ['new'],
      );
      const days = await a.totals({ by: 'day', since: T0 - 60 * 86_400_000 }, T0);
      assert.deepEqual(
        days.map((d) => d.group),
        ['2026-11-20'],
      );
    });
  });
}
