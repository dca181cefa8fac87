// The secrets guard on MCP `tools/call` results relayed by the gateway's /mcp: a tool that hands back a `.env` is
// redacted under the server's `guard: redact`, refused as an error result under `block`, counted under the default
// `log`; never a secret in the request line or the metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startHarness, ADMIN_KEY } from '../gateway/harness.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { until } from '../helpers/until.ts';
import { decoys, plantedSecrets } from './corpus.ts';

test('a tool result carrying secrets is redacted, blocked or counted by its server guard mode, its decoys untouched', async () => {
  await using sim = await startMcpSim({});
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: {} },
    config: () => ({
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      mcp: {
        servers: {
          redacting: { url: sim.url, guard: 'redact' },
          blocking: { url: sim.url, guard: 'block' },
          counting: { url: sim.url },
        },
      },
    }),
  });
  const planted = plantedSecrets();
  const secrets = planted.flatMap((p) => p.secrets);
  const env = planted.map((p) => p.text).join('\n');
  const client = new Client({ name: 'guard-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${h.key}` } },
    }),
  );
  try {
    const call = async (server: string) =>
      JSON.stringify((await client.callTool({ name: `${server}__echo`, arguments: { text: env } })) as CallToolResult);
    const redacted = await call('redacting');
    for (const s of secrets) assert.ok(!redacted.includes(s), `${s.slice(0, 6)}… in ${redacted.slice(0, 200)}`);
    assert.match(redacted, /\[redacted aws_access_key …[A-Z2-7]{4}\]/);

    const sent = decoys(300);
    const mixed = JSON.stringify(
      (await client.callTool({
        name: 'redacting__echo',
        arguments: { text: `${env}\n${sent.join('\n')}` },
      })) as CallToolResult,
    );
    for (const s of secrets) assert.ok(!mixed.includes(s), `${s.slice(0, 6)}… beside the decoys`);
    const passed = sent.filter((d) => mixed.includes(JSON.stringify(d).slice(1, -1)));
    assert.ok(passed.length >= sent.length * 0.99, `${sent.length - passed.length} of ${sent.length} decoys changed`);

    const blocked = JSON.parse(await call('blocking')) as CallToolResult;
    assert.equal(blocked.isError, true);
    assert.match(JSON.stringify(blocked), /rule aws-access-key\) at result\.content\[0\]\.text/);
    for (const s of secrets) assert.ok(!JSON.stringify(blocked).includes(s));

    const counted = await call('counting');
    assert.ok(counted.includes(planted[0]!.secrets[0]!), 'log relays the result as it came');
  } finally {
    await client.close();
  }
  await until('the tool calls lines with their findings', () =>
    ['redact', 'block', 'log'].every((a) =>
      h.logs.some((l) => l.includes(`aws-access-key@result.content[0].text:${a}`)),
    ),
  );
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  assert.match(metrics, /switchyard_guard_secrets_total\{rule="aws-access-key",action="block"\} 1/);
  for (const page of [h.logs.join('\n'), metrics]) for (const s of secrets) assert.ok(!page.includes(s));
});
