// A tool name is the caller's text: whatever it sends (terminal escapes, a line break, a bidi override, kilobytes),
// the ledger row, the log lines and the span keep it bounded and printable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { until } from '../helpers/until.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what must not be kept
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = `\u001b[31mred\u001b[0m\nline\u202eevil${'x'.repeat(2_000)}`;

test('a tool name a caller sends reaches the ledger and the log bounded and printable', async () => {
  await using sim = await startMcpSim({ tokens: ['files-token-0077'] });
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({ mcp: { servers: { files: { url: sim.url, api_key: 'files-token-0077' } } } }),
  });
  // One reaches its server (which knows no such tool), one names no server and is refused.
  for (const name of [`files__${HOSTILE}`, `nope${HOSTILE}__x`]) {
    const res = await fetch(`${h.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${h.key}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }),
    });
    await res.text();
  }
  const usage = h.gw.app.gateway.usage!;
  let rows: { mcp_server?: string | undefined; tool?: string | undefined; status: string }[] = [];
  await until('both calls are in the ledger', async () => {
    rows = (await usage.requests({ limit: 50 })).rows.filter((r) => r.tool !== undefined && r.tool !== '');
    return rows.length === 2;
  });
  for (const r of rows) {
    for (const name of [r.mcp_server ?? '', r.tool ?? '']) {
      assert.ok(name.length <= 128, `${r.status}: ${name.length} characters`);
      assert.doesNotMatch(name, UNPRINTABLE, r.status);
    }
  }
  assert.ok(
    rows.some((r) => r.tool!.startsWith('\\u001b[31mred')),
    'an escape is shown as its code',
  );
  const fields = h.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .flatMap((l) => [l['tool'], l['mcp_server']])
    .filter((v): v is string => typeof v === 'string');
  assert.ok(fields.length >= 4, 'the call lines and request lines name the tool');
  for (const v of fields) {
    assert.ok(v.length <= 128, `${v.length} characters logged`);
    assert.doesNotMatch(v, UNPRINTABLE);
  }
});
