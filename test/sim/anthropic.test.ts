// The Anthropic endpoints' wire format over real HTTP: messages, the named-event stream, tool use, models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, anthropic, parseSse, parseJson, userMessage, type Body, type SseEvent } from './client.ts';
import { simSignature } from '../../src/sim/thinking.ts';

const SCENARIO = { keys: { 'sk-ant-good': {} } };
const KEY = 'sk-ant-good';

/** Every Anthropic event's data has a `type` equal to its event name. */
function typed(events: SseEvent[]): { event: string; data: Record<string, unknown> }[] {
  return events.map((e) => {
    const data = JSON.parse(e.data) as Record<string, unknown>;
    assert.equal(data['type'], e.event, 'data.type matches the event name');
    return { event: e.event ?? '', data };
  });
}

test('a message answers with the model name and the start of the last user message', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await anthropic(sim, KEY, {
      model: 'sim-large',
      max_tokens: 256,
      system: 'be brief',
      messages: [userMessage('hello there')],
    });
    assert.equal(r.status, 200);
    const body = parseJson(r.text);
    assert.equal(body['type'], 'message');
    assert.equal(body['role'], 'assistant');
    assert.equal(body['model'], 'sim-large');
    assert.deepEqual(body['content'], [{ type: 'text', text: '[sim-large] reply to: hello there' }]);
    assert.equal(body['stop_reason'], 'end_turn');
    const usage = body['usage'] as Record<string, number>;
    assert.ok(usage['input_tokens']! > 0 && usage['output_tokens']! > 0);
    assert.ok(r.headers.get('request-id'));
  });
});

test('a stream has the exact event sequence and its text deltas add up to the reply', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await anthropic(sim, KEY, {
      model: 'sim-small',
      max_tokens: 256,
      stream: true,
      messages: [userMessage([{ type: 'text', text: 'stream me please' }] as never)],
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const events = typed(parseSse(r.text));
    const names = events.map((e) => e.event);
    assert.deepEqual(names.slice(0, 3), ['message_start', 'content_block_start', 'ping']);
    assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
    const deltas = events.filter((e) => e.event === 'content_block_delta');
    assert.equal(deltas.length, names.length - 6);
    assert.ok(deltas.length >= 3);
    const text = deltas.map((e) => (e.data['delta'] as { type: string; text: string }).text).join('');
    assert.equal(text, '[sim-small] reply to: stream me please');
    const messageDelta = events.find((e) => e.event === 'message_delta')!.data;
    assert.equal((messageDelta['delta'] as Record<string, unknown>)['stop_reason'], 'end_turn');
  });
});

test('"call <tool>" answers with tool_use, whole and streamed as input_json_delta', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body = {
      model: 'sim-large',
      max_tokens: 256,
      tools: [
        {
          name: 'get_weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
      messages: [userMessage('call get_weather now')],
    };
    const whole = parseJson((await anthropic(sim, KEY, body)).text);
    assert.equal(whole['stop_reason'], 'tool_use');
    const block = (whole['content'] as Record<string, unknown>[])[0]!;
    assert.equal(block['type'], 'tool_use');
    assert.equal(block['name'], 'get_weather');
    assert.deepEqual(block['input'], { city: 'call get_weather now' });

    const events = typed(parseSse((await anthropic(sim, KEY, { ...body, stream: true })).text));
    const start = events.find((e) => e.event === 'content_block_start')!.data['content_block'] as Record<
      string,
      unknown
    >;
    assert.equal(start['type'], 'tool_use');
    const json = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => e.data['delta'] as { type: string; partial_json: string })
      .map((d) => {
        assert.equal(d.type, 'input_json_delta');
        return d.partial_json;
      });
    assert.deepEqual(JSON.parse(json.join('')), { city: 'call get_weather now' });
  });
});

test('a tool_result turn gets a text answer quoting the result', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body = parseJson(
      (
        await anthropic(sim, KEY, {
          model: 'sim-large',
          max_tokens: 256,
          tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
          messages: [
            userMessage('call get_weather'),
            { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'rainy' }] },
          ],
        })
      ).text,
    );
    assert.deepEqual(body['content'], [{ type: 'text', text: '[sim-large] got tool result: rainy' }]);
  });
});

test('anthropic-version and max_tokens are required, as the real API requires them', async () => {
  await withSim(SCENARIO, async (sim) => {
    const noVersion = await anthropic(
      sim,
      KEY,
      { model: 'sim-large', max_tokens: 10, messages: [userMessage('hi')] },
      { version: null },
    );
    assert.equal(noVersion.status, 400);
    assert.deepEqual(parseJson(noVersion.text), {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
    });
    const noMax = await anthropic(sim, KEY, { model: 'sim-large', messages: [userMessage('hi')] });
    assert.equal(noMax.status, 400);
    assert.match(noMax.text, /max_tokens: Field required/);
  });
});

test('a Bearer token is accepted on /v1/messages too (OAuth-style clients)', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await fetch(`${sim.url}/v1/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'sim-large', max_tokens: 10, messages: [userMessage('hi')] }),
    });
    assert.equal(r.status, 200);
    await r.body?.cancel();
  });
});

test('GET /v1/models answers in the Anthropic list shape when the caller speaks Anthropic', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await fetch(`${sim.url}/v1/models`, { headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      data: { type: string; id: string; display_name: string }[];
      has_more: boolean;
      first_id: string;
    };
    assert.deepEqual(
      body.data.map((m) => [m.type, m.id]),
      [
        ['model', 'sim-large'],
        ['model', 'sim-small'],
      ],
    );
    assert.equal(body.has_more, false);
    assert.equal(body.first_id, 'sim-large');
    const bad = await fetch(`${sim.url}/v1/models`, {
      headers: { 'x-api-key': 'sk-ant-unknown-0000', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), {
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
  });
});

test('with thinking on, the answer opens with a thinking block signed for its text, whole and streamed', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = { model: 'sim-large', max_tokens: 256, thinking: { type: 'enabled', budget_tokens: 128 } };
    const whole = parseJson((await anthropic(sim, KEY, { ...ask, messages: [userMessage('ponder')] })).text);
    const [thinking, text] = whole['content'] as Record<string, unknown>[];
    assert.equal(thinking?.['type'], 'thinking');
    assert.equal(thinking?.['signature'], simSignature(String(thinking?.['thinking'])));
    assert.deepEqual(text, { type: 'text', text: '[sim-large] reply to: ponder' });

    const streamed = await anthropic(sim, KEY, { ...ask, stream: true, messages: [userMessage('ponder')] });
    const events = typed(parseSse(streamed.text));
    const deltas = events.flatMap((e) => (e.event === 'content_block_delta' ? [e.data['delta'] as Body] : []));
    const thought = deltas.flatMap((d) => (d['type'] === 'thinking_delta' ? [d['thinking']] : [])).join('');
    assert.equal(thought, thinking?.['thinking']);
    assert.deepEqual(
      deltas.filter((d) => d['type'] === 'signature_delta'),
      [{ type: 'signature_delta', signature: thinking?.['signature'] }],
    );
    assert.deepEqual(
      events.filter((e) => e.event === 'content_block_start').map((e) => e.data['index']),
      [0, 1],
    );
  });
});
