// What Azure OpenAI does differently from OpenAI, end to end against the simulator's Azure paths: the key in
// `api-key` (or an Entra ID token as Bearer), Azure's own error bodies classified (access denied, the rate limit with
// `retry-after-ms`, the content filter, a missing deployment), and a stream that opens with the prompt's filter
// results.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { azureAdapter } from '../../src/providers/azure/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { DEFAULT_MODELS } from '../../src/sim/scenario.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import type { ChatRequest, SendContext, StreamEvent } from '../../src/providers/types.ts';

after(closePools);

const GOOD = 'azkey-good-0000000000000000000001';
const THROTTLED = 'azkey-throttled-00000000000000002';
const FILTERED = 'azkey-filtered-000000000000000003';
const hello: ChatRequest = { model: 'sim-large', messages: [{ role: 'user', content: 'hello there' }] };

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    assert.ok(UpstreamError.isInstance(err), String(err));
    return err;
  }
  assert.fail('expected a failure');
}

describe('azure dialect', () => {
  let sim: RunningSimulator;
  const ctx = (apiKey: string, extra: Partial<SendContext> = {}): SendContext => ({
    provider: 'az',
    baseUrl: sim.url,
    apiKey,
    headers: {},
    timeoutMs: 10_000,
    apiVersion: '2024-10-21',
    ...extra,
  });

  before(async () => {
    sim = await startSimulator({
      scenario: {
        seed: 1,
        models: DEFAULT_MODELS,
        keys: {
          [GOOD]: {},
          [THROTTLED]: { rate_limit_after: 0, reset: '30s', reset_headers: ['retry-after-ms'] },
          [FILTERED]: { script: ['content_filter'], loop_script: true },
        },
      },
    });
  });
  after(() => sim.close());

  test('the key goes in api-key, to the deployment the model names', async () => {
    const res = await azureAdapter.send(hello, ctx(GOOD));
    assert.match(res.content, /hello there/);
    const call = sim.log().at(-1)!;
    assert.equal(call.path, '/openai/deployments/sim-large/chat/completions');
    assert.equal(call.key, GOOD);
  });

  test('an Entra ID token goes as Bearer when auth says so', async () => {
    const res = await azureAdapter.send(hello, ctx(GOOD, { auth: { header: 'authorization', scheme: 'Bearer' } }));
    assert.match(res.content, /hello there/);
  });

  test("a wrong key is Azure's access denied, classified as a rejected key", async () => {
    const err = await failure(azureAdapter.send(hello, ctx('azkey-unknown-0000000000000000009')));
    assert.equal(err.kind, 'auth_rejected');
    assert.match(err.providerMessage, /Access denied due to invalid subscription key/);
  });

  test('the rate limit with retry-after-ms says when to come back', async () => {
    const err = await failure(azureAdapter.send(hello, ctx(THROTTLED)));
    assert.equal(err.kind, 'rate_limited');
    assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 20_000 && err.retryAfterMs <= 30_000);
  });

  test("the content filter's refusal is content_filter, whole or streamed", async () => {
    assert.equal((await failure(azureAdapter.send(hello, ctx(FILTERED)))).kind, 'content_filter');
    const streamed = failure(
      (async () => {
        for await (const e of azureAdapter.stream(hello, ctx(FILTERED))) void e;
      })(),
    );
    assert.equal((await streamed).kind, 'content_filter');
  });

  test('a deployment that does not exist is not_found', async () => {
    const err = await failure(azureAdapter.send({ ...hello, model: 'no-such-deployment' }, ctx(GOOD)));
    assert.equal(err.kind, 'not_found');
    assert.equal(err.code, 'DeploymentNotFound');
  });

  test("a stream's first chunk (the prompt's filter results) says nothing; the answer starts after it", async () => {
    const events: StreamEvent[] = [];
    for await (const e of azureAdapter.stream(hello, ctx(GOOD))) events.push(e);
    const start = events[0];
    assert.equal(start?.type, 'start');
    assert.ok(start.type === 'start' && start.id.startsWith('chatcmpl-sim-'), JSON.stringify(start));
    assert.equal(events.at(-1)?.type, 'finish');
  });

  test('the deployments API without api-version is a 404, as on Azure', async () => {
    const res = await fetch(`${sim.url}/openai/deployments/sim-large/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': GOOD, 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { code: '404', message: 'Resource not found' } });
  });
});
