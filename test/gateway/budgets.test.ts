// Budgets through the real gateway and the official SDKs: a client key over a spend budget or a rate is refused in
// the caller's shape (OpenAI, Anthropic, Responses) before anything is sent; a provider over its budget is skipped to
// the fallback with `budget` in the trail; a soft budget serves with a warning header. Windows of an hour or a day,
// so two requests a moment apart fall in one window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { dirname } from 'node:path';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const UPSTREAM = 'sk-sim-budget-good-0001';
const CAPPED = 'sk-sim-budget-capped-01';

let h: Harness;
const keys: Record<string, string> = {};

before(async () => {
  h = await startHarness({
    scenario: { models: { 'sim-large': {}, 'sim-small': {} }, keys: { [UPSTREAM]: {}, [CAPPED]: {} } },
    config: (sim) => ({
      providers: {
        simoa: simProvider(sim, 'openai', UPSTREAM, {
          models: { 'sim-large': { price: { input: 1, output: 1 } }, 'sim-small': {} },
        }),
        capped: simProvider(sim, 'openai', CAPPED),
      },
      main: { provider: 'simoa', model: 'sim-large' },
      auxiliary: {
        compression: { provider: 'none' },
        limited: {
          provider: 'capped',
          model: 'sim-small',
          fallback_chain: [{ provider: 'simoa', model: 'sim-small' }],
        },
      },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      budgets: {
        spender_usd: { client_key: 'spender', usd: { day: 0.000001 } },
        rater_hourly: { client_key: 'rater', requests: { hour: 1 } },
        responder_hourly: { client_key: 'responder', requests: { hour: 1 } },
        capped_daily: { provider: 'capped', requests: { day: 1 } },
        soft_daily: { client_key: 'softie', requests: { day: 1 }, soft: true },
      },
    }),
  });
  for (const name of ['spender', 'rater', 'responder', 'softie']) {
    keys[name] = generateKey();
    h.store.addGatewayKey(newKeyRecord(keys[name], name));
  }
});
after(() => h.close());

const openai = (name: string, maxRetries = 0): OpenAI =>
  new OpenAI({ baseURL: `${h.url}/v1`, apiKey: keys[name]!, maxRetries });
const hello = [{ role: 'user' as const, content: 'hello' }];

test('a client key over its USD budget gets a 429 naming it, and the OpenAI SDK is told not to retry', async () => {
  await openai('spender').chat.completions.create({ model: 'main', messages: hello, max_tokens: 5 });
  const sent = h.sim.calls(UPSTREAM);
  await assert.rejects(
    openai('spender', 3).chat.completions.create({ model: 'main', messages: hello, max_tokens: 5 }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'budget_exceeded');
      assert.equal(err.headers?.get('x-should-retry'), 'false');
      assert.ok(Number(err.headers?.get('retry-after')) > 0);
      assert.equal(err.headers?.get('x-switchyard-attempts'), '0');
      assert.match(
        err.message,
        /budget spender_usd \(client key spender\) is spent: \$0\.000001 per day, \$0\.0000\d+ used; resets at \d{4}-\d\d-\d\d 00:00 UTC \(in /,
      );
      return true;
    },
  );
  assert.equal(h.sim.calls(UPSTREAM), sent, 'refused before any upstream call');
});

test('a client key over its rate gets an Anthropic 429 rate_limit_error with Retry-After at the reset', async () => {
  const client = new Anthropic({ baseURL: h.url, apiKey: keys['rater']!, maxRetries: 0 });
  const ask = () => client.messages.create({ model: 'main', max_tokens: 5, messages: hello });
  await ask();
  await assert.rejects(ask(), (err: unknown) => {
    assert.ok(err instanceof Anthropic.RateLimitError);
    assert.equal(err.status, 429);
    const retryAfter = Number(err.headers?.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    // A rate the SDK may wait out, unless its reset is further off than gateway.client_retry_max_wait (10s).
    assert.equal(err.headers?.get('x-should-retry'), retryAfter > 10 ? 'false' : null);
    assert.match(err.message, /"type":"rate_limit_error"|rate_limit_error/);
    assert.match(
      err.message,
      /budget rater_hourly \(client key rater\) is at its limit: 1 request per hour, 1 request used; resets at/,
    );
    return true;
  });
});

test('a Responses API caller over its rate gets the 429 in the Responses shape', async () => {
  const client = openai('responder');
  await client.responses.create({ model: 'main', input: 'hello', max_output_tokens: 16 });
  await assert.rejects(
    client.responses.create({ model: 'main', input: 'hello', max_output_tokens: 16 }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.code, 'budget_exceeded');
      assert.match(err.message, /budget responder_hourly \(client key responder\)/);
      return true;
    },
  );
});

test('a provider over its budget is skipped to the fallback, and the request log says budget', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const first = await client.chat.completions.create({ model: 'limited', messages: hello }).withResponse();
  assert.equal(first.response.headers.get('x-switchyard-route'), 'capped/sim-small');
  const second = await client.chat.completions.create({ model: 'limited', messages: hello }).withResponse();
  assert.equal(second.response.headers.get('x-switchyard-route'), 'simoa/sim-small');
  assert.equal(second.response.headers.get('x-switchyard-attempts'), '1');
  assert.equal(h.sim.calls(CAPPED), 1);
  const line = h.logs.findLast((l) => l.includes('"model":"limited"'));
  assert.match(line ?? '', /"outcome":"budget"/);
  assert.match(line ?? '', /budget capped_daily \(provider capped\) is spent: 1 request per day/);
});

test('a soft budget serves over its limit with x-switchyard-budget-warning, streaming and not', async () => {
  const client = openai('softie');
  const first = await client.chat.completions.create({ model: 'main', messages: hello }).withResponse();
  assert.equal(first.response.headers.get('x-switchyard-budget-warning'), null);
  const second = await client.chat.completions.create({ model: 'main', messages: hello }).withResponse();
  assert.match(
    second.response.headers.get('x-switchyard-budget-warning') ?? '',
    /^soft budget soft_daily \(client key softie\) is over 1 request per day/,
  );
  const stream = await client.chat.completions.create({ model: 'main', messages: hello, stream: true }).withResponse();
  assert.match(stream.response.headers.get('x-switchyard-budget-warning') ?? '', /soft_daily/);
  for await (const _ of stream.data) {
    // drained
  }
  assert.ok(
    h.logs.some((l) => l.includes('soft budget soft_daily')),
    'warned in the log',
  );
});

interface Row {
  budget: string;
  resource: string;
  window: string;
  limit: number;
  spent: number;
  reserved: number;
  remaining: number;
  resets_at: string;
}

test('where each budget stands: /admin/budgets, `usage budgets --json` and the Prometheus gauges agree', async () => {
  await h.store.flush();
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const res = await fetch(`${h.url}/admin/budgets`, { headers: admin });
  assert.equal(res.status, 200);
  const { budgets } = (await res.json()) as { budgets: Row[] };
  const capped = budgets.find((b) => b.budget === 'capped_daily');
  assert.deepEqual(
    capped && { spent: capped.spent, reserved: capped.reserved, remaining: capped.remaining, limit: capped.limit },
    { spent: 1, reserved: 0, remaining: 0, limit: 1 },
  );
  assert.match(capped?.resets_at ?? '', /^\d{4}-\d\d-\d\dT00:00:00\.000Z$/);
  const spender = budgets.find((b) => b.budget === 'spender_usd');
  assert.ok(spender !== undefined && spender.spent > 0 && spender.spent < 0.001, `spent ${spender?.spent}`);

  const cli = await runCliInProcess(['-c', h.configPath, 'usage', 'budgets', '--json'], {
    env: { SWITCHYARD_HOME: dirname(h.store.location), SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  assert.equal(cli.code, 0, cli.stderr);
  const rows = JSON.parse(cli.stdout) as Row[];
  assert.deepEqual(
    rows.map((r) => [r.budget, r.spent]),
    budgets.map((b) => [b.budget, b.spent]),
  );
  const table = await runCliInProcess(['-c', h.configPath, 'usage', 'budgets'], {
    env: { SWITCHYARD_HOME: dirname(h.store.location), SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  assert.match(
    table.stdout,
    /^capped_daily\s+provider capped\s+day\s+1 req\s+1 req\s+0 req\s+0 req\s+\d{4}-\d\d-\d\d 00:00 UTC$/m,
  );

  const metrics = await (await fetch(`${h.url}/metrics`, { headers: admin })).text();
  assert.match(metrics, /^switchyard_budget_spent\{budget="capped_daily",resource="requests",window="day"\} 1$/m);
  assert.match(metrics, /^switchyard_budget_remaining\{budget="capped_daily",resource="requests",window="day"\} 0$/m);
  assert.match(
    metrics,
    /^switchyard_budget_events_total\{budget="capped_daily",resource="requests",window="day",state="refused"\} 1$/m,
  );
  assert.match(
    metrics,
    /^switchyard_budget_events_total\{budget="soft_daily",resource="requests",window="day",state="soft_over"\} 2$/m,
  );
  // Two requests over the soft budget, one line in the log: said once per window, each counted above.
  assert.equal(h.logs.filter((l) => l.includes('soft budget soft_daily')).length, 1);
});
