// The Grafana dashboard in examples/grafana reads only series the gateway exports: every metric its queries name is
// in a real gateway's /metrics (after one request, so the request series exist).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, simProvider, startHarness } from './harness.ts';

const DASHBOARD = join(import.meta.dirname, '..', '..', 'examples', 'grafana', 'switchyard-dashboard.json');

test('every metric the Grafana dashboard queries is exported by the gateway', async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const names = new Set(
    dashboard.panels
      .flatMap((p) => p.targets.map((t) => t.expr))
      .flatMap((e) => [...e.matchAll(/switchyard_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))),
  );
  assert.ok(names.size >= 10);
  await using h = await startHarness({
    scenario: { keys: { 'sk-grafana-000000001': {} } },
    config: (sim) => ({
      providers: { mimo: simProvider(sim, 'openai', 'sk-grafana-000000001') },
      main: { provider: 'mimo', model: 'sim-large' },
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  const r = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200);
  const text = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  const exported = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
  assert.deepEqual(
    [...names].filter((n) => !exported.has(n)),
    [],
  );
});
