// The simulator's Responses API over real sockets, read by the official `openai` SDK and a plain `ws` client: the
// response object and its event stream, function calls, previous_response_id from the bounded store (and OpenAI's
// 400 for an unknown id), compaction, the scenario's faults, and the WebSocket mode with its errors and a cut mid-turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { withSim, parseSse } from './client.ts';
import { until } from '../helpers/until.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

const KEY = 'sk-sim-resp-good';
const OTHER = 'sk-sim-resp-other-project';
const SCENARIO = {
  keys: {
    [KEY]: {},
    [OTHER]: {},
    'sk-sim-resp-cut': { script: ['cut'] },
    'sk-sim-resp-limit': { script: ['socket_limit'] },
    'sk-sim-resp-429': { script: ['429'] },
    'sk-sim-resp-fails': { script: ['stream_error'] },
  },
};
const WEATHER = {
  type: 'function' as const,
  name: 'get_weather',
  strict: true,
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
};

const sdk = (sim: RunningSimulator, key = KEY): OpenAI =>
  new OpenAI({ apiKey: key, baseURL: `${sim.url}/v1`, maxRetries: 0 });

test('a response answers the input with an output_text message and its usage', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await sdk(sim).responses.create({ model: 'sim-large', input: 'hello there', instructions: 'be brief' });
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.match(r.id, /^resp_sim_\d+$/);
    assert.equal(r.output_text, '[sim-large] reply to: hello there');
    assert.equal(r.instructions, 'be brief');
    assert.equal(r.usage?.total_tokens, (r.usage?.input_tokens ?? 0) + (r.usage?.output_tokens ?? 0));
    assert.equal(r.usage?.input_tokens_details.cached_tokens, 0);
    assert.equal(r.usage?.output_tokens_details.reasoning_tokens, 0);
    assert.equal(sim.log()[0]?.path, '/v1/responses');
  });
});

test('a streamed response sends the lifecycle, item and delta events in order, numbered, and the SDK rebuilds it', async () => {
  await withSim(SCENARIO, async (sim) => {
    const stream = sdk(sim).responses.stream({ model: 'sim-large', input: 'stream this please' });
    const types: string[] = [];
    const numbers: number[] = [];
    for await (const e of stream) {
      types.push(e.type);
      numbers.push(e.sequence_number);
    }
    const final = await stream.finalResponse();
    assert.equal(final.output_text, '[sim-large] reply to: stream this please');
    assert.deepEqual(
      numbers,
      types.map((_, i) => i),
    );
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });
});

test('a tool the input asks for is called with arguments of its schema, and its output is answered in text', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = sdk(sim);
    const first = await client.responses.create({
      model: 'sim-large',
      input: 'call get_weather for Paris',
      tools: [WEATHER],
    });
    const call = first.output.find((i) => i.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof (JSON.parse(call.arguments) as { city: unknown }).city, 'string');
    const second = await client.responses.create({
      model: 'sim-large',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
      tools: [WEATHER],
    });
    assert.equal(second.output_text, '[sim-large] got tool result: sunny');
  });
});

test('a reasoning request opens with a reasoning item, its tokens counted, its content encrypted when included', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await sdk(sim).responses.create({
      model: 'sim-large',
      input: 'think first',
      reasoning: { effort: 'low' },
      include: ['reasoning.encrypted_content'],
      store: false,
    });
    const [reasoning, message] = r.output;
    assert.equal(reasoning?.type, 'reasoning');
    assert.ok(reasoning?.type === 'reasoning' && typeof reasoning.encrypted_content === 'string');
    assert.equal(message?.type, 'message');
    assert.ok((r.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
    assert.equal(r.output_text, '[sim-large] reply to: think first');
  });
});

test('a streamed call sends its arguments as deltas and a done event naming the function', async () => {
  await withSim(SCENARIO, async (sim) => {
    const stream = sdk(sim).responses.stream({ model: 'sim-large', input: 'call get_weather', tools: [WEATHER] });
    const deltas: string[] = [];
    let done: { name: string; arguments: string } | undefined;
    for await (const e of stream) {
      if (e.type === 'response.function_call_arguments.delta') deltas.push(e.delta);
      if (e.type === 'response.function_call_arguments.done') done = { name: e.name, arguments: e.arguments };
    }
    assert.ok(deltas.length >= 1);
    assert.equal(done?.name, 'get_weather');
    assert.equal(deltas.join(''), done?.arguments);
  });
});

test('previous_response_id continues the stored conversation; an unknown or unstored id is OpenAI 400', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = sdk(sim);
    const first = await client.responses.create({ model: 'sim-large', input: 'remember the word kiwi' });
    const next = await client.responses.create({ model: 'sim-large', previous_response_id: first.id, input: 'title?' });
    // The title answer reads the conversation's first user message: the stored one.
    assert.equal(next.output_text, 'Sim title: remember the word kiwi');
    const unstored = await client.responses.create({ model: 'sim-large', input: 'forget me', store: false });
    for (const id of ['resp_nope', unstored.id]) {
      const r = await fetch(`${sim.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-large', previous_response_id: id, input: 'again' }),
      });
      assert.equal(r.status, 400);
      assert.deepEqual(await r.json(), {
        error: {
          message: `Previous response with id '${id}' not found.`,
          type: 'invalid_request_error',
          param: 'previous_response_id',
          code: 'previous_response_not_found',
        },
      });
    }
  });
});

test("a stored response is the key's own: another key continuing it, over HTTP or the WebSocket, is OpenAI's 400", async () => {
  await withSim(SCENARIO, async (sim) => {
    const mine = await sdk(sim).responses.create({ model: 'sim-large', input: 'remember the word fig' });
    const notFound = (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      err.param === 'previous_response_id' &&
      err.message === `400 Previous response with id '${mine.id}' not found.`;
    await assert.rejects(
      sdk(sim, OTHER).responses.create({ model: 'sim-large', previous_response_id: mine.id, input: 'title?' }),
      notFound,
    );
    const c = await connect(sim, OTHER);
    const refused = await turn(c, { model: 'sim-large', previous_response_id: mine.id, input: 'title?' });
    assert.equal(refused.length, 1);
    assert.deepEqual(refused[0]!['error'], {
      message: `Previous response with id '${mine.id}' not found.`,
      type: 'invalid_request_error',
      param: 'previous_response_id',
      code: 'previous_response_not_found',
    });
    c.ws.close();
    // The key that made it still continues it.
    const next = await sdk(sim).responses.create({
      model: 'sim-large',
      previous_response_id: mine.id,
      input: 'title?',
    });
    assert.equal(next.output_text, 'Sim title: remember the word fig');
  });
});

test('compact answers the user messages and a compaction item a later request reads as the conversation', async () => {
  await withSim(SCENARIO, async (sim) => {
    const client = sdk(sim);
    const compacted = await client.responses.compact({
      model: 'sim-large',
      input: [
        { role: 'user', content: 'the plan is to paint the shed' },
        { role: 'assistant', content: 'ok' },
      ],
    });
    assert.equal(compacted.object, 'response.compaction');
    const item = compacted.output.at(-1) as { type: string; encrypted_content: string };
    assert.equal(item.type, 'compaction');
    assert.equal(compacted.output.length, 2);
    const next = await client.responses.create({
      model: 'sim-large',
      input: [...compacted.output, { role: 'user', content: 'next step' }] as OpenAI.Responses.ResponseInput,
    });
    assert.equal(next.output_text, '[sim-large] reply to: next step');
  });
});

test('the scenario faults the Responses API as chat completions: a 429, a failed stream, a cut', async () => {
  await withSim(SCENARIO, async (sim) => {
    await assert.rejects(sdk(sim, 'sk-sim-resp-429').responses.create({ model: 'sim-large', input: 'hi' }), {
      status: 429,
    });
    const r = await fetch(`${sim.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-sim-resp-fails', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-large', input: 'hi', stream: true }),
    });
    const events = parseSse(await r.text());
    const failed = JSON.parse(events.at(-1)!.data) as { type: string; response: { status: string; error: unknown } };
    assert.equal(events.at(-1)?.event, 'response.failed');
    assert.equal(failed.response.status, 'failed');
    assert.deepEqual(failed.response.error, {
      code: 'server_error',
      message: 'The server had an error processing your request. Sorry about that!',
    });
    const cut = sdk(sim, 'sk-sim-resp-cut').responses.stream({ model: 'sim-large', input: 'a b c d e f' });
    await assert.rejects(async () => {
      for await (const _ of cut);
      await cut.finalResponse();
    });
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['rate_limited', 'stream_error', 'cut'],
    );
  });
});

type Event = Record<string, unknown> & { type: string };

async function connect(
  sim: RunningSimulator,
  key = KEY,
): Promise<{ ws: WebSocket; events: Event[]; code: () => number | undefined }> {
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const events: Event[] = [];
  let closed: number | undefined;
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  ws.on('close', (code) => (closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, events, code: () => closed };
}

const ENDS = ['response.completed', 'response.failed', 'response.incomplete', 'error'];

async function turn(c: { ws: WebSocket; events: Event[] }, create: Record<string, unknown>): Promise<Event[]> {
  const from = c.events.length;
  c.ws.send(JSON.stringify({ type: 'response.create', ...create }));
  await until('the turn to end', () => c.events.slice(from).some((e) => ENDS.includes(e.type)));
  return c.events.slice(from);
}

test('the WebSocket mode answers response.create with the stream events and continues on the connection', async () => {
  await withSim(SCENARIO, async (sim) => {
    const c = await connect(sim);
    const first = await turn(c, { model: 'sim-large', input: 'over the socket', store: false });
    assert.deepEqual(
      first.map((e) => e['sequence_number']),
      first.map((_, i) => i),
    );
    const done = first.at(-1)!;
    assert.equal(done.type, 'response.completed');
    const id = (done['response'] as { id: string }).id;
    // Not stored, but the connection's last response: continued with only the new input.
    const second = await turn(c, { model: 'sim-large', previous_response_id: id, input: 'title please' });
    const text = (second.at(-1)!['response'] as { output: { content: { text: string }[] }[] }).output[0]!.content[0]!
      .text;
    assert.equal(text, 'Sim title: over the socket');
    const unknown = await turn(c, { model: 'sim-large', previous_response_id: 'resp_gone', input: 'x' });
    assert.deepEqual(unknown, [
      {
        type: 'error',
        status: 400,
        error: {
          message: "Previous response with id 'resp_gone' not found.",
          type: 'invalid_request_error',
          param: 'previous_response_id',
          code: 'previous_response_not_found',
        },
      },
    ]);
    c.ws.close();
  });
});

test('a warm-up (generate: false) calls no model and leaves a response the next turn continues from', async () => {
  await withSim(SCENARIO, async (sim) => {
    const c = await connect(sim);
    const warm = await turn(c, { model: 'sim-large', generate: false, input: 'warm kiwi' });
    assert.deepEqual(
      warm.map((e) => e.type),
      ['response.created', 'response.completed'],
    );
    assert.equal(sim.log().length, 0);
    const id = (warm.at(-1)!['response'] as { id: string }).id;
    const next = await turn(c, { model: 'sim-large', previous_response_id: id, input: 'title?' });
    assert.match(JSON.stringify(next.at(-1)), /Sim title: warm kiwi/);
    c.ws.close();
  });
});

test('a second response.create while one is in flight is an error event; the first one finishes', async () => {
  await withSim({ ...SCENARIO, stream_delay: 20 }, async (sim) => {
    const c = await connect(sim);
    c.ws.send(JSON.stringify({ type: 'response.create', model: 'sim-large', input: 'one two three four' }));
    const second = await turn(c, { model: 'sim-large', input: 'too soon' });
    assert.equal(second.find((e) => e.type === 'error')?.['status'], 400);
    await until('the first to complete', () => c.events.some((e) => e.type === 'response.completed'));
    c.ws.close();
  });
});

test('the upgrade is refused 401 for a key the scenario does not know', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/v1/responses`, {
      headers: { authorization: 'Bearer sk-unknown' },
    });
    const status = await new Promise<number | undefined>((resolve) =>
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode)),
    );
    assert.equal(status, 401);
  });
});

test('a cut fault drops the socket mid-turn, after some deltas and before the response completes', async () => {
  await withSim(SCENARIO, async (sim) => {
    const c = await connect(sim, 'sk-sim-resp-cut');
    c.ws.send(JSON.stringify({ type: 'response.create', model: 'sim-large', input: 'a b c d e f g' }));
    await until('the socket to close', () => c.code() !== undefined);
    assert.equal(c.code(), 1006);
    assert.ok(c.events.some((e) => e.type === 'response.output_text.delta'));
    assert.ok(!c.events.some((e) => e.type === 'response.completed'));
    await until('the call to end', () => sim.log()[0]?.ended === true);
    assert.equal(sim.log()[0]?.outcome, 'cut');
  });
});

test('a socket_limit fault refuses the turn with websocket_connection_limit_reached, then closes the connection', async () => {
  await withSim(SCENARIO, async (sim) => {
    const c = await connect(sim, 'sk-sim-resp-limit');
    const refused = await turn(c, { model: 'sim-large', input: 'one hour in' });
    assert.deepEqual(refused, [
      {
        type: 'error',
        status: 400,
        error: {
          type: 'invalid_request_error',
          code: 'websocket_connection_limit_reached',
          message:
            'Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.',
          param: null,
        },
      },
    ]);
    await until('the socket to close', () => c.code() !== undefined);
    assert.equal(c.code(), 1000);
    assert.equal(sim.log()[0]?.outcome, 'socket_limit');
    // A new connection goes on (the script is spent).
    const again = await connect(sim, 'sk-sim-resp-limit');
    assert.equal((await turn(again, { model: 'sim-large', input: 'fresh' })).at(-1)!.type, 'response.completed');
    again.ws.close();
  });
});
