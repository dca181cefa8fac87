// `switchyard usage` and `usage prices`: the ledger's totals grouped as asked, as a table, JSON and CSV, and the
// price that applies to each route with where it comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { usageRow } from '../usage/store.case.ts';

test('usage: totals by route and by day from the ledger, as a table, JSON and CSV; bad input named', async () => {
  using ws = tempWorkspace('switchyard-usage-cli-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        oa: {
          type: 'openai',
          base_url: 'https://api.openai.com/v1',
          api_key: '${OPENAI_API_KEY}',
          models: { 'gpt-own': { price: { input: 1, output: 2 } } },
        },
        local: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-local-test-key-0001' },
      },
      main: { provider: 'oa', model: 'gpt-4o' },
      fallback: [{ provider: 'local', model: 'mystery' }],
    }),
  );
  const store = new SqliteUsageStore({ path: join(ws.home, 'usage.db') });
  await store.open();
  const now = Date.now();
  await store.write([
    usageRow({ id: 'a', at: now - 1000 }),
    usageRow({ id: 'b', at: now - 2000, route: 'an/claude', client_key: 'bob', cost_usd: null }),
  ]);
  await store.close();
  const env = { SWITCHYARD_HOME: ws.home, OPENAI_API_KEY: 'sk-test-openai-key-000001' };
  const run = (...args: string[]) => runCliInProcess(['--config', configPath, ...args], { env, cwd: ws.dir });

  const table = await run('usage', '--by', 'client_key');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^client_key\s+requests\s+input\s+output/m);
  // `cache hit`: the cache read's share of the input (docs/usage.md#prompt-cache-hit-ratio).
  assert.match(table.stdout, /^alice\s+1\s+100\s+20\s+10\s+0\s+5\s+10\.0%\s+\$0\.001\s+0$/m);
  assert.match(table.stdout, /^total\s+2\s+200\s+40\s+20\s+0\s+10\s+10\.0%\s+\$0\.002\s+0$/m);

  const json = JSON.parse((await run('usage', '--by', 'route', '--json')).stdout) as {
    groups: { group: string; requests: number }[];
    total: { requests: number; cache_hit_ratio: number | null };
  };
  assert.deepEqual(
    json.groups.map((g) => g.group),
    // The request is counted where it was answered, each attempt's tokens where they were spent.
    ['an/claude', 'oa/gpt-4o'],
  );
  assert.equal(json.total.requests, 2);
  assert.equal(json.total.cache_hit_ratio, 0.1);

  const csv = (await run('usage', '--by', 'task', '--csv', '--since', '1d')).stdout.trim().split('\n');
  assert.deepEqual(csv, [
    'task,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost_usd,unpriced,estimated,cache_hit_ratio',
    'main,2,200,40,20,0,10,0.002,0,0,0.1',
  ]);

  const bad = await run('usage', '--since', 'last tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since: expected a duration back from now/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const badBy = await run('usage', '--by', 'planet');
  assert.match(badBy.stderr, /--by: expected one of day, hour, client_key, user, task, route, credential/);
});

test('usage prices: the config price, the table price with the model it matched, and none said as unknown', async () => {
  using ws = tempWorkspace('switchyard-usage-prices-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        oa: {
          type: 'openai',
          base_url: 'https://api.openai.com/v1',
          api_key: 'sk-test-openai-key-000002',
          models: { 'gpt-own': { price: { input: 1.5, output: 6 } } },
        },
        local: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-local-test-key-0002' },
      },
      main: { provider: 'oa', model: 'gpt-4o-mini' },
      fallback: [{ provider: 'local', model: 'mystery' }],
    }),
  );
  const r = await runCliInProcess(['--config', configPath, 'usage', 'prices'], {
    env: { SWITCHYARD_HOME: ws.home },
    cwd: ws.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^oa\/gpt-4o-mini\s+main,title_generation,compression\s+[\d.]+\s+[\d.]+\s.*@pydantic\/genai-prices@[\d.]+: openai\/gpt-4o-mini/m,
  );
  assert.match(r.stdout, /^local\/mystery\s+main\S*\s+-\s+-\s+-\s+-\s+no price: cost unknown/m);
  assert.match(r.stdout, /^oa\/gpt-own\s+1\.5\s+6\s+-\s+-\s+config$/m);
  const json = JSON.parse(
    (
      await runCliInProcess(['--config', configPath, 'usage', 'prices', '--json'], {
        env: { SWITCHYARD_HOME: ws.home },
        cwd: ws.dir,
      })
    ).stdout,
  ) as { routes: { route: string; price: unknown }[] };
  assert.equal(json.routes.find((x) => x.route === 'local/mystery')?.price, null);
});

test('usage prices: a route priced by the hour (DeepSeek) has a row per period with its UTC hours', async () => {
  using ws = tempWorkspace('switchyard-usage-prices-hours-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        ds: { type: 'openai', base_url: 'https://api.deepseek.com/v1', api_key: 'sk-test-deepseek-key-0003' },
      },
      main: { provider: 'ds', model: 'deepseek-chat' },
    }),
  );
  const r = await runCliInProcess(['--config', configPath, 'usage', 'prices'], {
    env: { SWITCHYARD_HOME: ws.home },
    cwd: ws.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^ds\/deepseek-chat 00:30-16:30 UTC\s+\S+\s+0\.27\s+1\.1\s+0\.07\s+-\s+.*deepseek\/deepseek-chat/m,
  );
  assert.match(r.stdout, /^ds\/deepseek-chat 16:30-00:30 UTC\s+\S+\s+0\.135\s+0\.55\s+0\.035\s/m);
});
