// The "done when", as a user would try it: two gateways sharing Redis write one PostgreSQL ledger; 50
// requests at once through both — streams, whole answers, a cut, a billed failure with fallback, prompt caching,
// omitted usage, a title task, callers cancelling mid-stream — and then `switchyard usage` says exactly what the
// simulator billed. Skipped, saying why, without redis-server or a PostgreSQL server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server/server.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { createTestDatabase, POSTGRES_MISSING } from '../helpers/postgres.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const O200K = { token_count: 'o200k' } as const;
const CONCURRENT = 50;

test(
  'two gateways, one PostgreSQL ledger, 50 requests at once: switchyard usage equals the simulator’s bill',
  { skip: REDIS_MISSING ?? POSTGRES_MISSING },
  async () => {
    await using redis = await startTestRedis();
    await using db = await createTestDatabase();
    await using sim = await startSimulator({
      scenario: {
        models: { 'sim-large': {} },
        keys: {
          'sk-sim-load-ok-000001': O200K,
          'sk-sim-load-cut-00001': { ...O200K, script: ['cut'], loop_script: true, cut_after: 1 },
          'sk-sim-load-fail-0001': { ...O200K, script: ['stream_error_first'], loop_script: true },
          // The caller cancels after the first words; the next frame must not be sent before the gateway has let the
          // stream go, or the simulator bills words nobody read. A loaded runner lagged past 500 ms.
          'sk-sim-load-drip-0001': { ...O200K, stream_delay: '3s' },
          'sk-sim-load-omit-0001': { ...O200K, usage: 'omitted' },
          'sk-ant-sim-load-00001': { ...O200K, prompt_cache: true },
        },
      },
    });
    const oa = (key: string) => ({ type: 'openai', base_url: `${sim.url}/v1`, api_key: key });
    const config = {
      providers: {
        oa: { ...oa('sk-sim-load-ok-000001'), models: { 'sim-large': { price: { input: 3, output: 15 } } } },
        cut: oa('sk-sim-load-cut-00001'),
        fail: oa('sk-sim-load-fail-0001'),
        drip: oa('sk-sim-load-drip-0001'),
        omit: oa('sk-sim-load-omit-0001'),
        an: { type: 'anthropic', base_url: sim.url, api_key: 'sk-ant-sim-load-00001', models: { 'sim-large': {} } },
      },
      main: { provider: 'fail', model: 'sim-large' },
      fallback: [{ provider: 'oa', model: 'sim-large' }],
      auxiliary: { title_generation: { provider: 'oa', model: 'sim-large' } },
      retry: { max_retries: 0, base_delay: '1ms', max_delay: '1ms', max_wait: '1ms' },
      gateway: { state: redis.url, require_keys: false },
      usage: { store: db.url },
    };
    using ws = tempWorkspace('switchyard-usage-load-');
    const configPath = ws.write('switchyard.yaml', stringify(config));
    const env = { SWITCHYARD_HOME: ws.home };
    const gateways: GatewayHandle[] = [];
    try {
      for (let i = 0; i < 2; i++)
        gateways.push(
          await startGateway({
            loaded: loadConfig({ configPath, cwd: ws.dir, env }),
            logger: createLogger({ destination: { write: () => {} } }),
            listen: '127.0.0.1:0',
            watch: false,
            drainMs: 5_000,
          }),
        );
      const results = await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) => oneRequest(gateways[i % 2]!.url, i)),
      );
      assert.ok(results.filter((r) => r === 'ok').length >= 30, results.join(','));
      await until('every simulator call to end', () => sim.log().every((c) => c.ended), 30_000);
    } finally {
      // Closing writes what each gateway still has queued.
      for (const g of gateways) await g.close();
    }
    const usage = await runCliInProcess(['--config', configPath, 'usage', '--by', 'route', '--since', '1d', '--json'], {
      env,
      cwd: ws.dir,
    });
    assert.equal(usage.code, 0, usage.stderr);
    const report = JSON.parse(usage.stdout) as {
      store: string;
      total: {
        requests: number;
        input_tokens: number;
        output_tokens: number;
        cache_read_tokens: number;
        cache_write_tokens: number;
      };
    };
    const billed = sim.billed();
    assert.equal(report.store, 'postgres');
    assert.equal(report.total.requests, CONCURRENT);
    assert.deepEqual(
      {
        input: report.total.input_tokens,
        output: report.total.output_tokens,
        cache_read: report.total.cache_read_tokens,
        cache_write: report.total.cache_write_tokens,
      },
      {
        input: billed.input_tokens,
        output: billed.output_tokens,
        cache_read: billed.cache_read_tokens,
        cache_write: billed.cache_write_tokens,
      },
    );
    assert.ok(billed.cache_read_tokens > 0 && billed.output_tokens > 0);
  },
);

const ask = (i: number) => [{ role: 'user', content: `Request number ${i}: say a few words about ledgers` }];

/** One of ten kinds of request, by `i`; resolves `ok`, `error` or `cancelled`. */
async function oneRequest(url: string, i: number): Promise<string> {
  const kind = i % 10;
  if (kind === 6) {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'an/sim-large',
        max_tokens: 200,
        stream: i % 20 === 6,
        system: [
          {
            type: 'text',
            text: 'A shared system prompt worth caching. '.repeat(20),
            cache_control: { type: 'ephemeral' },
          },
        ],
        messages: ask(i),
      }),
    });
    await res.text();
    return res.ok ? 'ok' : 'error';
  }
  const body: Record<string, unknown> = { messages: ask(i), stream: true };
  if (kind <= 2) body['model'] = 'oa/sim-large';
  else if (kind === 3) Object.assign(body, { model: 'oa/sim-large', stream: false });
  else if (kind === 4) body['model'] = 'cut/sim-large';
  else if (kind === 5) body['model'] = 'main';
  else if (kind === 7) body['model'] = 'drip/sim-large';
  else if (kind === 8) Object.assign(body, { model: 'omit/sim-large', stream: i % 20 === 8 });
  else Object.assign(body, { model: 'title_generation', stream: false });
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (kind !== 7) {
    const text = await res.text();
    return res.ok && !/"error"/.test(text) ? 'ok' : 'error';
  }
  // Cancelled once the first words have arrived (the next come three seconds later).
  const reader = res.body!.getReader();
  let seen = '';
  while (!/"content":"[^"]+"/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) return 'error';
    seen += new TextDecoder().decode(value);
  }
  controller.abort();
  return 'cancelled';
}
