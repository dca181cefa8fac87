// `switchyard usage --by tool`: MCP tool calls per server and tool from the ledger's rows, as a table, JSON and CSV;
// a filter tool calls cannot have is refused rather than matching nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { usageRow } from '../usage/store.case.ts';

test('usage --by tool: calls, failures, latency and bytes per tool', async () => {
  using ws = tempWorkspace('switchyard-usage-tools-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({ mcp: { servers: { files: { url: 'http://127.0.0.1:9/mcp' } } } }),
  );
  const store = new SqliteUsageStore({ path: join(ws.home, 'usage.db') });
  await store.open();
  const now = Date.now();
  const call = (id: string, tool: string, status: string, client_key = 'agent') =>
    usageRow({
      id,
      at: now - 1000,
      client_key,
      task: '',
      route: '',
      charges: [],
      mcp_server: 'files',
      tool,
      status,
      latency_ms: 20,
      request_bytes: 10,
      response_bytes: 100,
    });
  await store.write([
    usageRow({ id: 'model', at: now - 500 }),
    call('a', 'read', 'ok'),
    call('b', 'read', 'timeout'),
    call('c', 'echo', 'ok', 'other'),
  ]);
  await store.close();
  const run = (...args: string[]) =>
    runCliInProcess(['--config', configPath, 'usage', '--by', 'tool', ...args], {
      env: { SWITCHYARD_HOME: ws.home },
      cwd: ws.dir,
    });

  const table = await run();
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /files__read\s+2\s+1\s+20\s+20\s+200/);
  assert.match(table.stdout, /files__echo\s+1\s+0/);
  assert.doesNotMatch(table.stdout, /gpt-4o|main/);

  const json = await run('--json', '--client-key', 'agent');
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { tools: { tool: string; calls: number }[] };
  assert.deepEqual(
    parsed.tools.map((t) => [t.tool, t.calls]),
    [['read', 2]],
  );

  const csv = await run('--csv');
  assert.match(csv.stdout, /^tool,calls,failed,mean latency ms,bytes in,bytes out\nfiles__echo,1,0,20,10,100\n/);

  const bad = await run('--task', 'main');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /tool calls have no task or route; filter with --client-key/);
});

test('usage --by tool prints a name the ledger kept raw bounded, printable and quoted for CSV', async () => {
  using ws = tempWorkspace('switchyard-usage-tools-');
  const configPath = ws.write('switchyard.yaml', stringify({}));
  const store = new SqliteUsageStore({ path: join(ws.home, 'usage.db') });
  await store.open();
  // As a ledger written before names were cleaned could hold them.
  const raw = (id: string, tool: string) =>
    usageRow({
      id,
      at: Date.now() - 1000,
      task: '',
      route: '',
      charges: [],
      mcp_server: 'files',
      tool,
      status: 'refused',
    });
  await store.write([raw('a', `\u001b[2J\u001b[31mred\u202eevil${'x'.repeat(500)}`), raw('b', 'one,"two"')]);
  await store.close();
  const run = (...args: string[]) =>
    runCliInProcess(['--config', configPath, 'usage', '--by', 'tool', ...args], {
      env: { SWITCHYARD_HOME: ws.home },
      cwd: ws.dir,
    });
  for (const out of [(await run()).stdout, (await run('--csv')).stdout]) {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not be printed
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u202e]/);
    assert.match(out, /files__\\u001b\[2J\\u001b\[31mred\\u202eevilx+…/);
    for (const line of out.split('\n')) assert.ok(line.length < 200, `${line.length} characters`);
  }
  assert.match((await run('--csv')).stdout, /\n"files__one,""two""",1,1,/);
});
