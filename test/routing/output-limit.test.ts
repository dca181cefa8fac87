// max_tokens above a model's output limit (docs/routing.md "On one route"): a provider that refuses a request only for that,
// and says the largest it takes, is asked again once on the same key with max_tokens lowered to it — the fallback
// that would otherwise end a Claude Code call (max_tokens 32000) on gpt-4o (16384). The simulator refuses as the
// real APIs do (its models' max_output_tokens); the canned upstream answers what the simulator has no step for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { failure, FAST_RETRY, harness, hello, type Harness } from './helpers.ts';

const OPENAI_KEY = 'sk-sim-openai-limits-0001';
const ANTHROPIC_KEY = 'sk-ant-sim-limits-0001';

async function withSim(
  config: (urls: { openai: string; anthropic: string }) => unknown,
  run: (h: Harness) => Promise<void>,
  keys: Record<string, { script?: string[] }> = {},
): Promise<void> {
  await using h = await harness({
    scenario: {
      models: {
        'gpt-4o': { max_output_tokens: 16384 },
        'claude-sonnet': { max_output_tokens: 64000 },
        'claude-haiku': { max_output_tokens: 8192 },
      },
      keys: { [OPENAI_KEY]: {}, [ANTHROPIC_KEY]: {}, ...keys },
    },
    config,
  });
  await run(h);
}

const openaiOnly = (u: { openai: string }): unknown => ({
  providers: { openai: { type: 'openai', base_url: u.openai, api_keys: [OPENAI_KEY] } },
  main: { provider: 'openai', model: 'gpt-4o' },
  retry: FAST_RETRY,
});

test('max_tokens above the model limit: sent again at once with the limit, the attempt says so, the key is not judged', async () => {
  await withSim(openaiOnly, async (h) => {
    const r = await h.router.chat({ messages: hello, max_tokens: 32000 });
    assert.equal(r.status, 'ok');
    assert.deepEqual(
      r.trail.map((a) => a.outcome),
      ['max_tokens_clamped', 'ok'],
    );
    const [clamped, ok] = r.trail;
    assert.equal(clamped?.status, 400);
    assert.equal(clamped?.max_tokens, 16384);
    assert.match(
      clamped?.message ?? '',
      /sent again with max_tokens 16384 — max_tokens is too large: 32000\. This model supports at most 16384 completion tokens/,
    );
    assert.equal(clamped?.credential?.fingerprint, ok?.credential?.fingerprint, 'the same key');
    assert.deepEqual(
      h.sim.log().map((c) => c.outcome),
      ['bad_request', 'ok'],
    );
    assert.deepEqual(h.sleeps, [], 'no backoff');
    assert.equal(
      h.events.some((e) => e.type === 'cooldown' || e.type === 'retry'),
      false,
    );
    assert.equal(h.store.getHealth(fingerprint(OPENAI_KEY))?.state ?? 'ok', 'ok');
  });
});

test('a max_tokens within the limit is sent as asked (one attempt)', async () => {
  await withSim(openaiOnly, async (h) => {
    const r = await h.router.chat({ messages: hello, max_tokens: 1000 });
    assert.deepEqual(r.status === 'ok' && r.trail.map((a) => a.outcome), ['ok']);
  });
});

test('fallback after a 429 on the Anthropic primary: the OpenAI fallback lowers max_tokens 32000 to 16384 and answers', async () => {
  await withSim(
    (u) => ({
      providers: {
        anthropic: { type: 'anthropic', base_url: u.anthropic, api_keys: [ANTHROPIC_KEY] },
        openai: { type: 'openai', base_url: u.openai, api_keys: [OPENAI_KEY] },
      },
      main: { provider: 'anthropic', model: 'claude-sonnet' },
      fallback: [{ provider: 'openai', model: 'gpt-4o' }],
      retry: FAST_RETRY,
    }),
    async (h) => {
      const r = await h.router.chat({ messages: hello, max_tokens: 32000 });
      assert.equal(r.status, 'ok');
      assert.equal(r.route, 'openai/gpt-4o');
      assert.deepEqual(
        r.trail.map((a) => `${a.route} ${a.outcome}`),
        ['anthropic/claude-sonnet rate_limited', 'openai/gpt-4o max_tokens_clamped', 'openai/gpt-4o ok'],
      );
    },
    { [ANTHROPIC_KEY]: { script: ['429'] } },
  );
});

test("Anthropic's wording is read too, streaming included: max_tokens 32000 on a model that writes 8192 at most", async () => {
  await withSim(
    (u) => ({
      providers: { anthropic: { type: 'anthropic', base_url: u.anthropic, api_keys: [ANTHROPIC_KEY] } },
      main: { provider: 'anthropic', model: 'claude-haiku' },
      retry: FAST_RETRY,
    }),
    async (h) => {
      const r = await h.router.chat({ messages: hello, max_tokens: 32000, stream: true });
      assert.equal(r.status, 'ok');
      let text = '';
      for await (const e of r.events) if (e.type === 'text') text += e.text;
      assert.match(text, /reply to: hello/);
      assert.deepEqual(
        r.trail.map((a) => a.outcome),
        ['max_tokens_clamped', 'ok'],
      );
      assert.equal(r.trail[0]?.max_tokens, 8192);
      assert.match(
        r.trail[0]?.message ?? '',
        /max_tokens: 32000 > 8192, which is the maximum allowed number of output tokens for claude-haiku/,
      );
    },
  );
});

const DEEPSEEK_RANGE = {
  status: 400,
  body: {
    error: {
      message: 'Invalid max_tokens value, the valid range of max_tokens is [1, 8192]',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_request_error',
    },
  },
};

test('lowered once per route: refused again, the request fails as any bad request does', async () => {
  await using up = await startCannedUpstream([DEEPSEEK_RANGE, DEEPSEEK_RANGE]);
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { deepseek: { type: 'openai', base_url: up.baseUrl, api_keys: ['sk-deepseek-0001'] } },
      main: { provider: 'deepseek', model: 'deepseek-chat' },
      retry: FAST_RETRY,
    }),
  });
  const err = await failure(h.router.chat({ messages: hello, max_tokens: 32000 }));
  assert.equal(err.kind, 'bad_request');
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['max_tokens_clamped', 'bad_request'],
  );
  assert.equal(err.trail[0]?.max_tokens, 8192);
  assert.equal(up.calls.length, 2);
});

test('a refusal that states no maximum is a bad request, as before: one attempt, no second try', async () => {
  await using up = await startCannedUpstream([
    {
      status: 400,
      body: {
        error: {
          message: 'max_tokens is too large',
          type: 'invalid_request_error',
          param: 'max_tokens',
          code: 'invalid_value',
        },
      },
    },
  ]);
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { compat: { type: 'openai', base_url: up.baseUrl, api_keys: ['sk-compat-0001'] } },
      main: { provider: 'compat', model: 'm' },
      retry: FAST_RETRY,
    }),
  });
  const err = await failure(h.router.chat({ messages: hello, max_tokens: 32000 }));
  assert.equal(err.kind, 'bad_request');
  assert.deepEqual(
    err.trail.map((a) => a.outcome),
    ['bad_request'],
  );
});
