// The answer options a scenario can turn on for a key or a model: prompt-cache usage, stop sequences, and tool calls
// without ids (as some OpenAI-compatible servers send them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { withSim, openai, anthropic, parseJson, parseSse, userMessage, type Body } from './client.ts';
import { parseScenarioText } from '../../src/sim/scenario-load.ts';
import { describeKey, describeModel } from '../../src/sim/describe.ts';
import { userError } from '../helpers/errors.ts';

const SYSTEM = 'S'.repeat(400);
const mark = { type: 'ephemeral' };
const marked = (text: string): Body[] => [{ type: 'text', text, cache_control: mark }];

type AnthropicMessage = {
  content: { type: string; text: string }[];
  stop_reason: string;
  stop_sequence: string | null;
  usage: Record<string, number>;
};
type Completion = {
  choices: { message: { content: string | null; tool_calls?: Record<string, unknown>[] }; finish_reason: string }[];
  usage: Record<string, unknown>;
};

test('answer options are validated like the rest of the scenario, and described at start-up', () => {
  const err = userError(() =>
    parseScenarioText('models:\n  m: { tool_call_ids: maybe, prompt_cache: yes }\n', 'f.yaml'),
  );
  assert.deepEqual(err.details, [
    'f.yaml:2:23: models.m.tool_call_ids: expected one of present | missing | empty, got "maybe"',
    'f.yaml:2:44: models.m.prompt_cache: expected true or false, got "yes"',
  ]);
  const s = parseScenarioText(
    'models:\n  m: { prompt_cache: true, tool_call_ids: missing }\nkeys:\n  sk-abcd-1234: { stop_sequences: true, prompt_cache: false }\n',
  );
  assert.equal(describeModel('m', s.models['m']!), 'm: context 128000; prompt cache on; tool-call ids missing');
  assert.equal(
    describeKey('sk-abcd-1234', s.keys['sk-abcd-1234']!),
    'sk-…1234: valid; prompt cache off; stop sequences on',
  );
});

test('Anthropic prompt cache: a marked prefix is written once, then read; input_tokens leaves both out', async () => {
  await withSim({ keys: { 'sk-cache': { prompt_cache: true }, 'sk-plain': {} } }, async (sim) => {
    const ask = async (key: string, messages: Body[], stream = false) => {
      const r = await anthropic(sim, key, {
        model: 'sim-large',
        max_tokens: 64,
        system: marked(SYSTEM),
        messages,
        stream,
      });
      assert.equal(r.status, 200, r.text);
      return r.text;
    };
    /** input_tokens, cache_creation_input_tokens, cache_read_input_tokens */
    const counts = (u: Record<string, number>) => [
      u['input_tokens'],
      u['cache_creation_input_tokens'],
      u['cache_read_input_tokens'],
    ];
    const usage = async (messages: Body[]) => (parseJson(await ask('sk-cache', messages)) as AnthropicMessage).usage;
    const first = [userMessage('hello')];
    assert.deepEqual(counts(await usage(first)), [2, 100, 0]);
    const second = [...first, { role: 'assistant', content: 'hi' }, { role: 'user', content: marked('again') }];
    assert.deepEqual(counts(await usage(second)), [0, 3, 100]);
    // The mark moves on to the newest turn; the earlier prefix is read all the same (marks are not part of it).
    const third = [
      ...first,
      { role: 'assistant', content: 'hi' },
      { role: 'user', content: [{ type: 'text', text: 'again' }] },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: marked('more') },
    ];
    assert.deepEqual(counts(await usage(third)), [0, 2, 103]);

    const events = parseSse(await ask('sk-cache', first, true));
    const start = JSON.parse(events.find((e) => e.event === 'message_start')!.data) as {
      message: { usage: Record<string, number> };
    };
    assert.deepEqual(start.message.usage, {
      input_tokens: 2,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 100,
      output_tokens: 1,
    });
    assert.equal(
      counts(start.message.usage).reduce((a, b) => a! + b!, 0),
      102,
      'the three add up to the whole prompt',
    );

    const none = (parseJson(await ask('sk-cache', [{ role: 'user', content: 'no marks' }])) as AnthropicMessage).usage;
    assert.equal(none['cache_read_input_tokens'], 100, 'the system prompt is still marked');
    assert.deepEqual(
      Object.keys((parseJson(await ask('sk-plain', first)) as AnthropicMessage).usage),
      ['input_tokens', 'output_tokens'],
      'off: no cache fields',
    );
    sim.reset();
    assert.equal((await usage(first))['cache_creation_input_tokens'], 100, 'reset() empties the cache');
  });
});

test('OpenAI prompt cache: the longest earlier prefix is reported as cached_tokens, within prompt_tokens', async () => {
  await withSim(
    {
      models: { 'sim-large': { prompt_cache: true } },
      keys: { 'sk-a': {}, 'sk-b': {}, 'sk-off': { prompt_cache: false } },
    },
    async (sim) => {
      const ask = async (key: string, messages: Body[], extra: Body = {}) => {
        const r = await openai(sim, key, {
          model: 'sim-large',
          messages: [{ role: 'system', content: SYSTEM }, ...messages],
          ...extra,
        });
        assert.equal(r.status, 200, r.text);
        return r.text;
      };
      const usage = async (key: string, messages: Body[]) => (parseJson(await ask(key, messages)) as Completion).usage;
      const first = [userMessage('hello')];
      assert.deepEqual((await usage('sk-a', first))['prompt_tokens_details'], { cached_tokens: 0 });
      const second = [...first, { role: 'assistant', content: 'hi' }, userMessage('again')];
      const u = await usage('sk-a', second);
      assert.deepEqual([u['prompt_tokens'], u['prompt_tokens_details']], [103, { cached_tokens: 102 }]);
      assert.deepEqual(
        (await usage('sk-b', second))['prompt_tokens_details'],
        { cached_tokens: 0 },
        'each key is its own account, with its own cache',
      );
      assert.equal(
        'prompt_tokens_details' in (await usage('sk-off', second)),
        false,
        'the key turns it off for itself',
      );

      const streamed = parseSse(await ask('sk-a', second, { stream: true, stream_options: { include_usage: true } }));
      const last = JSON.parse(streamed.at(-2)!.data) as { usage: Record<string, unknown> };
      assert.deepEqual(last.usage['prompt_tokens_details'], { cached_tokens: 102 });
    },
  );
});

test('stop sequences: the reply stops where the last user message holds one (Anthropic names it)', async () => {
  await withSim({ keys: { 'sk-stop': { stop_sequences: true }, 'sk-plain': {} } }, async (sim) => {
    const ask = {
      model: 'sim-large',
      max_tokens: 64,
      stop_sequences: ['###', 'END'],
      messages: [userMessage('count to three END then more ### after')],
    };
    const whole = parseJson((await anthropic(sim, 'sk-stop', ask)).text) as AnthropicMessage;
    assert.deepEqual(
      [whole.content[0]?.text, whole.stop_reason, whole.stop_sequence],
      ['[sim-large] reply to: count to three', 'stop_sequence', 'END'],
    );
    const events = parseSse((await anthropic(sim, 'sk-stop', { ...ask, stream: true })).text);
    const delta = JSON.parse(events.find((e) => e.event === 'message_delta')!.data) as {
      delta: { stop_reason: string; stop_sequence: string };
    };
    assert.deepEqual(delta.delta, { stop_reason: 'stop_sequence', stop_sequence: 'END' });
    const plain = parseJson((await anthropic(sim, 'sk-plain', ask)).text) as AnthropicMessage;
    assert.deepEqual([plain.stop_reason, plain.stop_sequence], ['end_turn', null], 'off: stop sequences are ignored');
    const absent = parseJson(
      (await anthropic(sim, 'sk-stop', { ...ask, stop_sequences: ['nowhere'] })).text,
    ) as AnthropicMessage;
    assert.equal(absent.stop_reason, 'end_turn');
  });
});

test('stop sequences on the OpenAI API: `stop` as a string or a list; finish_reason is a plain stop', async () => {
  await withSim({ models: { 'sim-large': { stop_sequences: true } }, keys: { 'sk-stop': {} } }, async (sim) => {
    for (const stop of ['\n\n', ['\n\n', 'zzz']]) {
      const body = parseJson(
        (
          await openai(sim, 'sk-stop', {
            model: 'sim-large',
            stop,
            messages: [userMessage('first paragraph\n\nsecond paragraph')],
          })
        ).text,
      ) as Completion;
      assert.deepEqual(
        [body.choices[0]?.message.content, body.choices[0]?.finish_reason],
        ['[sim-large] reply to: first paragraph', 'stop'],
      );
    }
  });
});

test('tool_call_ids: missing or empty ids on the OpenAI API, whole and streamed; the key wins over the model', async () => {
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
  const scenario = {
    models: { 'sim-large': { tool_call_ids: 'missing' as const } },
    keys: {
      'sk-model': {},
      'sk-empty': { tool_call_ids: 'empty' as const },
      'sk-real': { tool_call_ids: 'present' as const },
    },
  };
  await withSim(scenario, async (sim) => {
    const ask = { model: 'sim-large', tools, messages: [userMessage('call get_weather')] };
    const callOf = async (key: string) =>
      (parseJson((await openai(sim, key, ask)).text) as Completion).choices[0]!.message.tool_calls![0]!;
    assert.equal('id' in (await callOf('sk-model')), false);
    assert.equal((await callOf('sk-empty'))['id'], '');
    assert.match(String((await callOf('sk-real'))['id']), /^call_sim_\d+$/);

    const chunks = parseSse((await openai(sim, 'sk-model', { ...ask, stream: true })).text)
      .slice(0, -1)
      .map((e) => JSON.parse(e.data) as { choices: { delta: { tool_calls?: Record<string, unknown>[] } }[] });
    const start = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0]!;
    assert.equal('id' in start, false);
    assert.equal((start['function'] as { name: string }).name, 'get_weather');

    // The OpenAI SDK hands the call over without an id; the Anthropic API is unaffected.
    const sdk = await new OpenAI({
      baseURL: `${sim.url}/v1`,
      apiKey: 'sk-empty',
      maxRetries: 0,
    }).chat.completions.create({
      model: 'sim-large',
      tools,
      messages: [{ role: 'user', content: 'call get_weather' }],
    });
    assert.equal(sdk.choices[0]?.message.tool_calls?.[0]?.id, '');
    const viaAnthropic = parseJson(
      (
        await anthropic(sim, 'sk-model', {
          model: 'sim-large',
          max_tokens: 64,
          tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
          messages: [userMessage('call get_weather')],
        })
      ).text,
    ) as { content: { id: string }[] };
    assert.match(viaAnthropic.content[0]!.id, /^toolu_sim_\d+$/);
  });
});
