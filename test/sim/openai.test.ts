// The OpenAI endpoints' wire format over real HTTP: completions, chunk streams, tool calls, titles, models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, openai, parseSse, parseJson, userMessage, type Body } from './client.ts';

const SCENARIO = { keys: { 'sk-sim-good': {} } };
const KEY = 'sk-sim-good';
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  },
];

type Chunk = {
  object: string;
  model: string;
  choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: unknown;
};

/** Parses an OpenAI stream: every event but the last is a chunk; the last is [DONE]. */
function chunksOf(text: string): Chunk[] {
  const events = parseSse(text);
  assert.equal(events.at(-1)?.data, '[DONE]', 'the stream ends with data: [DONE]');
  for (const e of events) assert.equal(e.event, undefined, 'OpenAI streams use bare data: lines');
  return events.slice(0, -1).map((e) => JSON.parse(e.data) as Chunk);
}

test('a completion answers with the model name and the start of the last user message', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await openai(sim, KEY, {
      model: 'sim-large',
      messages: [
        { role: 'system', content: 'be brief' },
        userMessage('first'),
        { role: 'assistant', content: 'ok' },
        userMessage('hello there'),
      ],
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const body = parseJson(r.text) as {
      object: string;
      model: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: Record<string, number>;
    };
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'sim-large');
    assert.equal(body.choices[0]?.message.role, 'assistant');
    assert.equal(body.choices[0]?.message.content, '[sim-large] reply to: hello there');
    assert.equal(body.choices[0]?.finish_reason, 'stop');
    assert.ok(body.usage['prompt_tokens']! > 0 && body.usage['completion_tokens']! > 0);
    assert.equal(body.usage['total_tokens'], body.usage['prompt_tokens']! + body.usage['completion_tokens']!);
  });
});

test('the reply quotes at most 60 characters of the message', async () => {
  await withSim(SCENARIO, async (sim) => {
    const long = 'x'.repeat(100);
    const body = parseJson((await openai(sim, KEY, { model: 'sim-large', messages: [userMessage(long)] })).text) as {
      choices: { message: { content: string } }[];
    };
    assert.equal(body.choices[0]?.message.content, `[sim-large] reply to: ${'x'.repeat(60)}`);
  });
});

test('a stream is valid SSE of chat.completion.chunk objects ending in [DONE], and adds up to the reply', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await openai(sim, KEY, { model: 'sim-small', stream: true, messages: [userMessage('stream me please')] });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
    const chunks = chunksOf(r.text);
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(chunks[0]?.choices[0]?.delta['role'], 'assistant');
    const text = chunks.map((c) => (c.choices[0]?.delta['content'] as string | undefined) ?? '').join('');
    assert.equal(text, '[sim-small] reply to: stream me please');
    assert.ok(chunks.filter((c) => c.choices[0]?.delta['content']).length >= 3, 'several content deltas');
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
    assert.ok(
      chunks.every((c) => !('usage' in c)),
      'no usage without include_usage',
    );
  });
});

test('stream_options.include_usage adds a final usage chunk with no choices', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await openai(sim, KEY, {
      model: 'sim-large',
      stream: true,
      stream_options: { include_usage: true },
      messages: [userMessage('count me')],
    });
    const chunks = chunksOf(r.text);
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, []);
    const usage = last.usage as Record<string, number>;
    assert.ok(usage['prompt_tokens']! > 0 && usage['completion_tokens']! > 0);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  });
});

test('"call <tool>" with tools offered answers with a tool call, its arguments a value of the tool\'s schema saying the message', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body: Body = {
      model: 'sim-large',
      tools: TOOLS,
      messages: [userMessage('please call get_weather for Paris')],
    };
    const whole = parseJson((await openai(sim, KEY, body)).text) as {
      choices: {
        message: {
          content: null;
          tool_calls: { id: string; type: string; function: { name: string; arguments: string } }[];
        };
        finish_reason: string;
      }[];
    };
    const choice = whole.choices[0]!;
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls[0]?.type, 'function');
    assert.equal(choice.message.tool_calls[0]?.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(choice.message.tool_calls[0]!.function.arguments), {
      city: 'please call get_weather for Paris',
    });

    const chunks = chunksOf((await openai(sim, KEY, { ...body, stream: true })).text);
    type Call = { id?: string; function: { name?: string; arguments: string } };
    const calls = chunks.flatMap((c) => (c.choices[0]?.delta['tool_calls'] as Call[] | undefined) ?? []);
    assert.equal(calls[0]?.function.name, 'get_weather');
    assert.ok(calls[0]?.id);
    assert.deepEqual(JSON.parse(calls.map((c) => c.function.arguments).join('')), {
      city: 'please call get_weather for Paris',
    });
    assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
  });
});

test('tool_choice naming a tool forces the call; an unknown tool name or a tool result gets text', async () => {
  await withSim(SCENARIO, async (sim) => {
    const forced = parseJson(
      (
        await openai(sim, KEY, {
          model: 'sim-large',
          tools: TOOLS,
          tool_choice: { type: 'function', function: { name: 'get_weather' } },
          messages: [userMessage('hi')],
        })
      ).text,
    ) as { choices: { finish_reason: string }[] };
    assert.equal(forced.choices[0]?.finish_reason, 'tool_calls');
    const unknown = parseJson(
      (await openai(sim, KEY, { model: 'sim-large', tools: TOOLS, messages: [userMessage('call launch_rockets')] }))
        .text,
    ) as { choices: { finish_reason: string }[] };
    assert.equal(unknown.choices[0]?.finish_reason, 'stop');
    const afterTool = parseJson(
      (
        await openai(sim, KEY, {
          model: 'sim-large',
          tools: TOOLS,
          messages: [
            userMessage('call get_weather'),
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
            },
            { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
          ],
        })
      ).text,
    ) as { choices: { message: { content: string } }[] };
    assert.equal(afterTool.choices[0]?.message.content, '[sim-large] got tool result: sunny');
  });
});

test('a request for a title gets a short title line', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await openai(sim, KEY, {
      model: 'sim-small',
      messages: [
        { role: 'system', content: 'Write a short title for this conversation.' },
        userMessage('How do I bake sourdough bread at home?'),
      ],
    });
    const body = parseJson(r.text) as { choices: { message: { content: string } }[] };
    assert.equal(body.choices[0]?.message.content, 'Sim title: How do I bake sourdough');
    const inline = parseJson(
      (
        await openai(sim, KEY, {
          model: 'sim-small',
          messages: [userMessage('Give a title for: tuning postgres vacuum settings')],
        })
      ).text,
    ) as { choices: { message: { content: string } }[] };
    assert.equal(inline.choices[0]?.message.content, 'Sim title: tuning postgres vacuum settings');
  });
});

test('max_tokens shortens the reply and finishes with "length"', async () => {
  await withSim(SCENARIO, async (sim) => {
    const body = parseJson(
      (await openai(sim, KEY, { model: 'sim-large', max_tokens: 1, messages: [userMessage('ping')] })).text,
    ) as { choices: { message: { content: string }; finish_reason: string }[]; usage: Record<string, number> };
    assert.equal(body.choices[0]?.finish_reason, 'length');
    assert.equal(body.choices[0]?.message.content.length, 4);
    assert.equal(body.usage['completion_tokens'], 1);
  });
});

test('GET /v1/models lists the served models in the OpenAI shape; /v1/models/ID answers one or 404', async () => {
  await withSim(
    { models: { 'm-a': {}, 'm-b': {} }, keys: { [KEY]: {}, 'sk-sim-only-a': { models: ['m-a'] } } },
    async (sim) => {
      const auth = { authorization: `Bearer ${KEY}` };
      const list = (await (await fetch(`${sim.url}/v1/models`, { headers: auth })).json()) as {
        object: string;
        data: { id: string; object: string }[];
      };
      assert.equal(list.object, 'list');
      assert.deepEqual(
        list.data.map((m) => [m.id, m.object]),
        [
          ['m-a', 'model'],
          ['m-b', 'model'],
        ],
      );
      const scoped = (await (
        await fetch(`${sim.url}/v1/models`, { headers: { authorization: 'Bearer sk-sim-only-a' } })
      ).json()) as { data: { id: string }[] };
      assert.deepEqual(
        scoped.data.map((m) => m.id),
        ['m-a'],
      );
      assert.equal((await fetch(`${sim.url}/v1/models/m-b`, { headers: auth })).status, 200);
      const missing = await fetch(`${sim.url}/v1/models/nope`, { headers: auth });
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'model_not_found');
      assert.equal(
        (await fetch(`${sim.url}/v1/models`, { headers: { authorization: 'Bearer sk-wrong-key-123456' } })).status,
        401,
      );
      assert.equal(sim.calls(), 0, 'listing models is not a chat call');
    },
  );
});

test('an unknown path is a 404 that says which base_url to use', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: '{}',
    });
    assert.equal(r.status, 404);
    const body = (await r.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, 'unknown_url');
    assert.match(body.error.message, /OpenAI base_url: <sim>\/v1/);
  });
});

test('a body that is not JSON, or has no messages, is a 400 in the OpenAI shape', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: '{nope',
    });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /not valid JSON/);
    const empty = await openai(sim, KEY, { model: 'sim-large', messages: [] });
    assert.equal(empty.status, 400);
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['bad_request', 'bad_request'],
    );
  });
});
