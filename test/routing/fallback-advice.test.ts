// "Add a fallback route" is advice for a chain without one: when every route of a chain with fallbacks failed, each
// route's explanation says to add another (the dashboard showed "add a fallback route" under a two-route chain).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_RETRY, failure, harness, hello } from './helpers.ts';

const A = 'sk-advice-a-00000000001';
const B = 'sk-advice-b-00000000002';

const config = (u: { openai: string }, fallback: unknown[]) => ({
  providers: {
    first: { type: 'openai', base_url: u.openai, api_key: A },
    second: { type: 'openai', base_url: u.openai, api_key: B },
  },
  main: { provider: 'first', model: 'sim-large' },
  fallback,
  retry: { ...FAST_RETRY, max_retries: 0 },
});
const SCENARIO = {
  keys: { [A]: { script: ['500' as const], loop_script: true }, [B]: { script: ['500' as const], loop_script: true } },
};

test('a chain whose fallback failed too is told to add another fallback route, not "a fallback route"', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u, [{ provider: 'second', model: 'sim-large' }]),
  });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.equal(err.failures.length, 2);
  assert.doesNotMatch(err.explanation, /add a fallback route/);
  assert.match(err.explanation, /try again later or add another fallback route \(every route of the chain failed\)/);
  for (const f of err.failures) {
    assert.ok(
      f.explained?.advice.some((a) => a.kind === 'add_fallback' && a.to === 'another'),
      f.explanation,
    );
  }
});

test('a chain of one route is still told to add a fallback route', async () => {
  await using h = await harness({ scenario: SCENARIO, config: (u) => config(u, []) });
  const err = await failure(h.router.chat({ messages: hello }));
  assert.match(err.explanation, /try again later or add a fallback route$/);
});
