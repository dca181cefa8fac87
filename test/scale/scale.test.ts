// The scale suite's first scenario inside `./dev test` (`npm run scale` runs them all): three replicas as hosts of
// their own behind HAProxy on a Redis Cluster and a PostgreSQL ledger behind PgBouncer, one host cut off under load.
// Skipped, saying why, where its services cannot be had (root for the namespaces, HAProxy, PgBouncer, PostgreSQL,
// redis-cli). The row is printed as a diagnostic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCALE_MISSING, SCENARIOS, renderScaleTable, runScenario } from './scale.ts';
import { RUN_SPAN_MS } from '../helpers/day-window.ts';

const spec = SCENARIOS.find((s) => s.fault === 'cut-host')!;

// The timeout allows for a wait past midnight UTC (test/helpers/day-window.ts).
test(`scale: ${spec.name}`, { skip: SCALE_MISSING ?? false, timeout: 180_000 + RUN_SPAN_MS }, async (t) => {
  const row = await runScenario(spec);
  for (const line of renderScaleTable([row]).trimEnd().split('\n')) t.diagnostic(line);
  assert.equal(row.error, undefined);
  assert.equal(row.lost, 0, 'no replica process lost');
  assert.equal(row.spooled, 0, 'every replica sent its spool by the time it stopped');
  assert.equal(row.rows, row.answers, 'a ledger row per answer a replica gave');
  // A partition's bound on the USD cap (the one the load reaches): the cut host's share of what remained, what was in
  // flight, one request per replica.
  assert.ok(row.overUsd <= row.allowedUsd + 1e-9, `$ over the cap: ${row.overUsd}, allowed ${row.allowedUsd}`);
  assert.notEqual(row.cooldownMs, null, "every replica skipped the key another one's 429 cooled");
});
