// A provider refusing the country or region a request comes from (OpenAI's 403 unsupported_country_region_territory,
// the simulator's `403_region` step) is not "model not found": the client that named the route gets a 403 in its
// API's shape that explains the refusal, and no SDK retry. The official SDKs are the clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { Harness } from './harness.ts';
import { ask, regionWorld } from './region-world.ts';

const REFUSED_KEY = 'sk-sim-region-0000000001';
const FALLBACK_KEY = 'sk-ant-sim-region-fb-001';

let h: Harness;

before(async () => {
  h = await regionWorld('openai', { refused: REFUSED_KEY, fallback: FALLBACK_KEY });
});
after(() => h.close());

test('a named route refused for its region is a 403 permission error in the OpenAI shape, not 404 model_not_found', async () => {
  const fallbackCalls = h.sim.calls(FALLBACK_KEY);
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 3 });
  await assert.rejects(client.chat.completions.create({ model: 'oa/sim-large', messages: ask }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'unsupported_country_region_territory');
    assert.equal(err.type, 'permission_error');
    assert.equal(err.headers?.get('x-should-retry'), 'false');
    assert.match(err.message, /does not serve the country or region this request comes from/);
    assert.doesNotMatch(err.message, /does not know|not found/i);
    return true;
  });
  assert.equal(h.sim.calls(FALLBACK_KEY), fallbackCalls, 'the route was named: no fallback answered instead');
  const line = h.logs.find((l) => l.includes('"model":"oa/sim-large"'));
  assert.match(line ?? '', /"outcome":"unsupported_country_region_territory"/);
});

test('the same refusal through the Anthropic API is a permission_error', async () => {
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  await assert.rejects(
    client.messages.create({ model: 'oa/sim-large', max_tokens: 50, messages: ask }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
      assert.equal(err.status, 403);
      const body = err.error as { error?: { type?: string; message?: string } } | undefined;
      assert.equal(body?.error?.type, 'permission_error');
      assert.match(body?.error?.message ?? '', /does not serve the country or region/);
      assert.equal(err.headers?.get('x-should-retry'), 'false');
      return true;
    },
  );
});

test('on the main chain the refusal moves on to the fallback, which answers', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: 'main', messages: ask }).withResponse();
  assert.match(data.choices[0]?.message.content ?? '', /hello from somewhere/);
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-large');
});
