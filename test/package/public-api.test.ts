// The package root's types and values, used the way a consumer would (only through src/index.ts). Type-checked
// by `npm run typecheck` (tsconfig includes test/): the `satisfies`, annotations and @ts-expect-error lines are the
// type-level assertions. It also runs: a consumer's own ProviderAdapter, Sleep and Logger plugged into a Switchyard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  CHAIN_RULE,
  configFromObject,
  createSwitchyard,
  EXPLANATION_RANK,
  openStore,
  parseScenarioText,
  REQUESTED_ROUTE_RULE,
  resolveScenario,
  UserError,
  watchConfig,
  type AdapterFor,
  type Breakers,
  type ChatMessage,
  type ChatOptions,
  type ChatSuccess,
  type CoolingReason,
  type Disabled,
  type FinishReason,
  type LoadedConfig,
  type Logger,
  type ProviderAdapter,
  type RouteFailureKind,
  type Scenario,
  type ScenarioInput,
  type SendContext,
  type Sleep,
  type SourceKind,
  type StreamEvent,
  type StreamSuccess,
  type Switchyard,
  type Usage,
} from '../../src/index.ts';

// Unions a consumer switches over.
const reasons = ['rate_limited', 'quota', 'auth_suspect'] as const satisfies readonly CoolingReason[];
const sources = ['config', 'env', 'dotenv', 'stored'] as const satisfies readonly SourceKind[];
const finish: FinishReason = 'stop';
// @ts-expect-error -- not a finish reason
const notFinish: FinishReason = 'done';
const rank: readonly RouteFailureKind[] = EXPLANATION_RANK;
const requested: string | undefined = REQUESTED_ROUTE_RULE.not_found;
const chain: string = CHAIN_RULE.not_found;
const scenarioInput: ScenarioInput = { latency: '10ms', keys: { 'sk-x': { script: ['timeout'] } } };
const useScenario = (s: Scenario): number => s.seed + Object.keys(s.keys).length;
const stopWatching: () => void = watchConfig(
  configFromObject({}, { env: {}, dotenv: false }),
  (next: LoadedConfig | Error) => void next,
);
stopWatching();

/** A consumer's adapter: answers every request with the last user message, counting calls. */
function echoAdapter(seen: SendContext[]): ProviderAdapter {
  const usage: Usage = { input_tokens: 3, output_tokens: 1 };
  const last = (messages: readonly ChatMessage[]): string => messages.at(-1)?.content ?? '';
  return {
    type: 'openai',
    async send(req, ctx) {
      seen.push(ctx);
      return {
        id: 'echo-1',
        model: req.model,
        content: last(req.messages),
        tool_calls: [],
        finish_reason: finish,
        usage,
      };
    },
    async *stream(req, ctx): AsyncIterable<StreamEvent> {
      seen.push(ctx);
      yield { type: 'start', id: 'echo-2', model: req.model };
      yield { type: 'text', text: last(req.messages) };
      yield { type: 'finish', finish_reason: 'stop', usage };
    },
    async listModels() {
      return ['echo-model'];
    },
  };
}

test('public types: a custom adapter, sleep and logger plug in; chat() with a run-time stream flag returns the union', async () => {
  const seen: SendContext[] = [];
  const adapter = echoAdapter(seen);
  const adapterFor: AdapterFor = () => adapter;
  const sleep: Sleep = async () => {};
  const logger: Logger = pino({ level: 'silent' });
  const config = configFromObject(
    {
      providers: { echo: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-echo-key-0000001' } },
      main: { provider: 'echo', model: 'echo-model' },
    },
    { env: {}, dotenv: false },
  );
  const sy: Switchyard = createSwitchyard({ config, adapterFor, sleep, logger, store: openStore({ kind: 'memory' }) });
  try {
    const breakers: Breakers = sy.breakers;
    assert.equal(breakers.state('echo'), 'closed');

    const options: ChatOptions = { messages: [{ role: 'user', content: 'ping' }] };
    const plain: ChatSuccess | Disabled = await sy.chat(options);
    assert.equal(plain.status === 'ok' && plain.response.content, 'ping');

    for (const flag of [true, false]) {
      const r: ChatSuccess | StreamSuccess | Disabled = await sy.chat({ ...options, stream: flag });
      // @ts-expect-error -- with a boolean flag the result may be either shape
      const _narrow: ChatSuccess = r;
      assert.equal(r.status, 'ok');
      if (r.status === 'ok' && 'events' in r) {
        assert.equal(flag, true);
        let text = '';
        for await (const e of r.events) if (e.type === 'text') text += e.text;
        assert.equal(text, 'ping');
      } else assert.equal(flag, false);
    }
    assert.equal(seen.length, 3);
    assert.equal(seen[0]?.apiKey, 'sk-echo-key-0000001');
  } finally {
    await sy.close();
  }
  // The values the docs refer to are there at run time too.
  assert.ok(EXPLANATION_RANK.length > 0 && rank === EXPLANATION_RANK);
  assert.equal(requested, 'fail_call');
  assert.equal(typeof chain, 'string');
  assert.deepEqual([reasons.length, sources.length, typeof notFinish], [3, 4, 'string']);
  assert.equal(typeof useScenario, 'function');
  assert.ok(scenarioInput.keys);
});

test('the scenario checks are exported: a bad scenario is a located UserError, a good one resolves', () => {
  assert.throws(
    () => parseScenarioText('keys:\n  sk-x: { rate_limit_afer: 1 }\n', 'ci.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.match(
        err.message,
        /ci\.yaml:2:\d+: keys\.sk-x\.rate_limit_afer: unknown key .*did you mean `rate_limit_after`/,
      );
      return true;
    },
  );
  const scenario: Scenario = resolveScenario(scenarioInput);
  assert.deepEqual(Object.keys(scenario.keys), ['sk-x']);
});
