// The alias that matched a request's model is named in `x-switchyard-alias` and the request's log line — on failures
// too — so a mistyped name answered through `"*"` does not pass unnoticed. The official `openai` SDK as the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-gw-alias-header-000001';
const BAD = 'sk-gw-alias-header-bad001';

/** The `alias` of the last request line for `model`, or null when it has none. */
function loggedAlias(logs: readonly string[], model: string): string | null {
  const line = logs.filter((l) => l.includes(`"model":"${model}"`) && l.includes('"status":')).at(-1);
  assert.ok(line, `no request line for ${model}`);
  return (JSON.parse(line) as { alias?: string }).alias ?? null;
}

test('x-switchyard-alias and the log line name the exact alias or the pattern that matched, and nothing else', async () => {
  await using h = await startHarness({
    scenario: { keys: { [KEY]: {}, [BAD]: { valid: false } } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY), bad: simProvider(url, 'openai', BAD) },
      main: { provider: 'sim', model: 'sim-large' },
      auxiliary: { broken: { provider: 'bad', model: 'sim-large', fallback_to_main: false } },
      retry: FAST_RETRY,
      gateway: {
        aliases: { 'claude-*': 'main', 'gpt-5*': 'main', 'my-model': 'main', 'broken-*': 'broken', '*': 'main' },
      },
    }),
  });
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const cases: [model: string, alias: string | null][] = [
    ['claude-opus-5-5', 'claude-*'],
    ['gpt-5.1-codex', 'gpt-5*'],
    ['my-model', 'my-model'],
    ['gtp-5', '*'],
    ['main', null],
    ['sim/sim-large', null],
  ];
  for (const [model, alias] of cases) {
    const { response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-alias'), alias, model);
    assert.equal(loggedAlias(h.logs, model), alias, model);
  }
  await assert.rejects(
    client.chat.completions.create({ model: 'broken-1', messages: [{ role: 'user', content: 'hi' }] }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.headers?.get('x-switchyard-alias'), 'broken-*');
      return true;
    },
  );
  assert.equal(loggedAlias(h.logs, 'broken-1'), 'broken-*');
});

test("the ledger's alias column says what the header says, also for an alias named like a model it shadows", async () => {
  await using h = await startHarness({
    scenario: { keys: { [KEY]: {} } },
    config: (url) => ({
      providers: { sim: simProvider(url, 'openai', KEY) },
      main: { provider: 'sim', model: 'sim-large' },
      auxiliary: { small: { provider: 'sim', model: 'sim-small' } },
      retry: FAST_RETRY,
      // `sim-large` is the main route's own model name too: the alias matches first (model-resolve.ts).
      gateway: { aliases: { 'sim-large': 'small', 'claude-*': 'main' } },
    }),
  });
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const cases: [model: string, header: string | null, column: string][] = [
    ['sim-large', 'sim-large', 'small'],
    ['claude-opus-5-5', 'claude-*', 'main'],
    ['main', null, ''],
    ['sim/sim-small', null, ''],
  ];
  for (const [model] of cases) {
    const { response } = await client.chat.completions
      .create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(response.headers.get('x-switchyard-alias'), cases.find((c) => c[0] === model)![1], model);
  }
  const ledger = h.gw.app.gateway.usage;
  assert.ok(ledger, 'the gateway keeps a ledger');
  const rows = async (): Promise<Map<string, string>> =>
    new Map((await ledger.requests({ limit: 50 })).rows.map((r) => [r.model, r.alias]));
  await until('a ledger row per request', async () => (await rows()).size === cases.length);
  const byModel = await rows();
  for (const [model, , column] of cases) assert.equal(byModel.get(model), column, model);
});
