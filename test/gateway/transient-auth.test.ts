// A key that has worked, rejected again through its auth retries: the gateway's message calls that likely transient,
// so its answer must not tell SDKs not to retry (`x-should-retry: false`) — while a key that never worked still does.
// The official `openai` SDK as the client, the simulator as the upstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';

const WORKED = 'sk-gw-transient-worked-0001';
const NEVER = 'sk-gw-transient-never-00002';
const WORKED_TOO = 'sk-gw-transient-again-0003';

const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };

/** The statuses of the gateway's request lines for one model, in order. */
function statuses(logs: readonly string[], model: string): number[] {
  return logs
    .filter((l) => l.includes(`"model":"${model}"`) && l.includes('"status":'))
    .map((l) => (JSON.parse(l) as { status: number }).status);
}

test('a known-good key rejected after its retries: "likely transient", and no x-should-retry: false (the SDK retries it)', async () => {
  await using h = await startHarness({
    // Each WORKED key answers once, then 401s through the gateway's auth retry (FAST_RETRY: auth_retries 1).
    scenario: {
      keys: {
        [WORKED]: { script: ['ok', '401', '401'] },
        [WORKED_TOO]: { script: ['ok', '401', '401'] },
        [NEVER]: { valid: false },
      },
    },
    config: (url) => ({
      providers: {
        worked: simProvider(url, 'openai', WORKED),
        again: simProvider(url, 'openai', WORKED_TOO),
        never: simProvider(url, 'openai', NEVER),
      },
      main: { provider: 'worked', model: 'sim-large' },
      auxiliary: {
        title_generation: { provider: 'none' },
        compression: { provider: 'none' },
        retried: { provider: 'again', model: 'sim-large', fallback_to_main: false },
        badkey: { provider: 'never', model: 'sim-large', fallback_to_main: false },
      },
      retry: FAST_RETRY,
    }),
  });
  const once = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  await once.chat.completions.create({ model: 'main', ...ask });
  await assert.rejects(once.chat.completions.create({ model: 'main', ...ask }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_auth_failed');
    assert.match(
      err.message,
      /worked rejected key sk-…0001 \(config\) \(HTTP 401: .*\), which last worked at .*; retried 1× with backoff — likely a transient provider problem/,
    );
    assert.equal(
      err.headers?.get('x-should-retry'),
      null,
      'the message says likely transient: the header does not say otherwise',
    );
    return true;
  });

  // The SDK's own retry of that 502 happens: it asks again, and meets the key resting (auth suspect) until its
  // probe — a 503 with Retry-After, which it would wait for with a retry to spare.
  const retrying = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 1 });
  await retrying.chat.completions.create({ model: 'retried', ...ask });
  await assert.rejects(retrying.chat.completions.create({ model: 'retried', ...ask }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 503);
    assert.ok(Number(err.headers?.get('retry-after')) > 0);
    return true;
  });
  assert.deepEqual(statuses(h.logs, 'retried'), [200, 502, 503], 'the SDK asked again after the 502');

  // A key that has never worked: "check or replace it", and the SDK is told not to ask again.
  const wouldRetry = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 2 });
  await assert.rejects(wouldRetry.chat.completions.create({ model: 'badkey', ...ask }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.match(err.message, /never rejected key sk-…0002 .*; it has never been accepted — check or replace it/);
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    return true;
  });
  assert.deepEqual(statuses(h.logs, 'badkey'), [502], 'asked once');
});
