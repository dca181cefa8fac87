// Anthropic's refusal of a region (a bare 403 {"error":{"type":"forbidden","message":"Request not allowed"}}, the
// simulator's `403_region` on its Anthropic API) through the gateway: a route the client named ends as a region
// refusal (403 permission, no SDK retry), never as a rejected key; on the main chain the fallback answers. The
// official SDKs are the clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { Harness } from './harness.ts';
import { ask, regionWorld } from './region-world.ts';

const REFUSED_KEY = 'sk-ant-sim-region-00000002';
const FALLBACK_KEY = 'sk-sim-region-fallback-0002';

let h: Harness;

before(async () => {
  h = await regionWorld('anthropic', { refused: REFUSED_KEY, fallback: FALLBACK_KEY });
});
after(() => h.close());

test('a named Anthropic route answered "Request not allowed" is a 403 region refusal in both APIs, not a rejected key', async () => {
  const anthropic = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 3 });
  await assert.rejects(
    anthropic.messages.create({ model: 'ant/sim-large', max_tokens: 50, messages: ask }),
    (err: unknown) => {
      assert.ok(err instanceof Anthropic.PermissionDeniedError, String(err));
      const body = err.error as { error?: { type?: string; message?: string } } | undefined;
      assert.equal(body?.error?.type, 'permission_error');
      assert.match(
        body?.error?.message ?? '',
        /ant does not serve the country or region this request comes from \(HTTP 403: Request not allowed\)/,
      );
      assert.doesNotMatch(body?.error?.message ?? '', /rejected|check or replace/);
      assert.equal(err.headers?.get('x-should-retry'), 'false');
      return true;
    },
  );
  const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 3 });
  await assert.rejects(openai.chat.completions.create({ model: 'ant/sim-large', messages: ask }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    assert.equal(err.code, 'unsupported_country_region_territory');
    return true;
  });
  assert.equal(h.sim.calls(REFUSED_KEY), 2, 'one upstream call each: no SDK retry, no retry of the refused key');
});

test('on the main chain the refusal moves on to the fallback, which answers', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: 'main', messages: ask }).withResponse();
  assert.match(data.choices[0]?.message.content ?? '', /hello from somewhere/);
  assert.equal(response.headers.get('x-switchyard-route'), 'oa/sim-large');
});
