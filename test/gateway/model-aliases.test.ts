// `gateway.aliases` through the gateway, with the official SDKs as clients: the names clients such as Claude Code
// and Codex send reach the chains the config maps them to — an exact name, the longer of two patterns, `"*"` for the
// rest — `/v1/models` lists the names, and without a match the 404 says which setting would make the name valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;
let bare: Harness;

const scenario = {
  models: { 'sim-large': {}, 'sim-small': {}, 'sim-tiny': {} },
  keys: { 'sk-ant-alias-00000001': {}, 'sk-oai-alias-00000001': {} },
};
const providers = (sim: string) => ({
  ant: simProvider(sim, 'anthropic', 'sk-ant-alias-00000001'),
  oai: simProvider(sim, 'openai', 'sk-oai-alias-00000001'),
});

before(async () => {
  h = await startHarness({
    scenario,
    config: (sim) => ({
      providers: providers(sim),
      main: { provider: 'ant', model: 'sim-large' },
      auxiliary: { small: { provider: 'oai', model: 'sim-small', fallback_to_main: false } },
      retry: FAST_RETRY,
      gateway: {
        aliases: {
          'claude-*': 'main',
          'claude-haiku-*': 'small',
          'claude-opus-5-5': 'oai/sim-tiny',
          'gpt-5*': 'small',
          '*': 'main',
        },
      },
    }),
  });
  bare = await startHarness({
    scenario,
    config: (sim) => ({ providers: providers(sim), main: { provider: 'ant', model: 'sim-large' }, retry: FAST_RETRY }),
  });
});
after(async () => {
  await h.close();
  await bare.close();
});

const anthropic = (harness = h): Anthropic =>
  new Anthropic({ baseURL: harness.url, apiKey: harness.key, maxRetries: 0 });

async function routeOf(model: string): Promise<string | null> {
  const { data, response } = await anthropic()
    .messages.create({ model, max_tokens: 50, messages: [{ role: 'user', content: `as ${model}` }] })
    .withResponse();
  assert.equal(data.type, 'message');
  return response.headers.get('x-switchyard-route');
}

test('an exact alias wins over every pattern, a longer pattern over a shorter one, and "*" takes the rest', async () => {
  assert.equal(await routeOf('claude-opus-5-5'), 'oai/sim-tiny');
  assert.equal(await routeOf('claude-haiku-4-5-20251001'), 'oai/sim-small');
  assert.equal(await routeOf('claude-sonnet-5'), 'ant/sim-large');
  assert.equal(await routeOf('opus'), 'ant/sim-large');
  // What the config names itself still comes first: a task, provider/model.
  assert.equal(await routeOf('small'), 'oai/sim-small');
  assert.equal(await routeOf('ant/sim-small'), 'ant/sim-small');
  // Streamed, and from the OpenAI SDK.
  const stream = anthropic().messages.stream({
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'stream' }],
  });
  assert.match(
    (await stream.finalMessage()).content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
    /\[sim-small\] reply to: stream/,
  );
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const { response } = await openai.chat.completions
    .create({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'codex' }] })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-route'), 'oai/sim-small');
});

test('/v1/models lists the alias names (not the patterns); models.retrieve answers a name a pattern takes', async () => {
  const ids: string[] = [];
  for await (const m of anthropic().models.list()) ids.push(m.id);
  assert.deepEqual(ids.slice(0, 5), ['main', 'title_generation', 'compression', 'small', 'claude-opus-5-5']);
  assert.ok(!ids.some((id) => id.includes('*')), ids.join());
  assert.equal((await anthropic().models.retrieve('claude-sonnet-5')).id, 'claude-sonnet-5');
  await assert.rejects(
    anthropic(bare).models.retrieve('claude-sonnet-5'),
    (err: unknown) => err instanceof Anthropic.NotFoundError,
  );
});

test('without an alias for it, an unknown name is a 404 that names gateway.aliases', async () => {
  await assert.rejects(
    anthropic(bare).messages.create({
      model: 'claude-opus-5-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'x' }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      const message = (err.error as { error?: { message?: string } }).error?.message ?? '';
      assert.match(message, /^unknown model "claude-opus-5-5": /);
      assert.match(
        message,
        /gateway\.aliases: \{ "claude-opus-5-5": main \}, or "\*": main for every name not otherwise known/,
      );
      return true;
    },
  );
});
