// The scale suite's first scenario inside `./dev test` (`npm run scale` runs them all): three replicas as hosts of
// their own behind HAProxy on a Redis Cluster and a PostgreSQL ledger behind PgBouncer, one host cut off under load.
// Skipped, saying why, where its services cannot be had (root for the namespaces, HAProxy, PgBouncer, PostgreSQL,
// redis-cli). The row is printed as a diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPS, REPLICAS, SCALE_MISSING, SCENARIOS, renderScaleTable, runScenario } from './scale.ts';

const spec = SCENARIOS.find((s) => s.fault === 'cut-host')!;

test(`scale: ${spec.name}`, { skip: SCALE_MISSING ?? false, timeout: 180_000 }, async (t) => {
  const row = await runScenario(spec);
  for (const line of renderScaleTable([row]).trimEnd().split('\n')) t.diagnostic(line);
  assert.equal(row.error, undefined);
  assert.equal(row.lost, 0, 'no replica process lost');
  assert.equal(row.rows, row.answers, 'a ledger row per answer a replica gave');
  // A partition's bound (docs/budgets.md#when-the-store-is-down): the cut replica's share of what remained at the cut,
  // what was in flight then (32 requests at most), and one request per replica.
  const allowed = (cap: number, at: number, per: number): number =>
    Math.max(0, cap - at) / REPLICAS + (32 + REPLICAS) * per;
  const usd = allowed(CAPS.usd, row.atFault.usd, row.perRequest.usd);
  const tokens = allowed(CAPS.tokens, row.atFault.tokens, row.perRequest.tokens);
  assert.ok(row.overUsd <= usd + 1e-9, `$ over the cap: ${row.overUsd}, allowed ${usd}`);
  assert.ok(row.overTokens <= tokens, `tokens over the cap: ${row.overTokens}, allowed ${tokens}`);
  assert.notEqual(row.cooldownMs, null, "every replica skipped the key another one's 429 cooled");
});
