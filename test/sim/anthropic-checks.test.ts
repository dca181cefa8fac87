// Requests the real Anthropic API refuses are refused here too: 400 invalid_request_error, worded as Anthropic words it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, anthropic, parseJson, userMessage, type Body } from './client.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { simSignature } from '../../src/sim/thinking.ts';

const KEY = 'sk-ant-good';
const SCENARIO = { keys: { [KEY]: {} } };
const TOOLS = [{ name: 'get_weather', input_schema: { type: 'object' } }];
const base = (messages: Body[], extra: Body = {}): Body => ({
  model: 'sim-large',
  max_tokens: 64,
  tools: TOOLS,
  messages,
  ...extra,
});
const call = (id: string, name = 'get_weather'): Body => ({ type: 'tool_use', id, name, input: {} });
const result = (id: string, content = 'rainy'): Body => ({ type: 'tool_result', tool_use_id: id, content });
const assistant = (...content: Body[]): Body => ({ role: 'assistant', content });
const user = (...content: Body[]): Body => ({ role: 'user', content });

/** Sends the body; returns the error message of the 400 it must get. */
async function refusal(sim: RunningSimulator, body: Body): Promise<string> {
  const r = await anthropic(sim, KEY, body);
  assert.equal(r.status, 400, r.text);
  const parsed = parseJson(r.text) as { type: string; error: { type: string; message: string } };
  assert.equal(parsed.type, 'error');
  assert.equal(parsed.error.type, 'invalid_request_error');
  assert.equal(sim.log().at(-1)?.outcome, 'bad_request');
  return parsed.error.message;
}

async function accepted(sim: RunningSimulator, body: Body): Promise<void> {
  const r = await anthropic(sim, KEY, body);
  assert.equal(r.status, 200, r.text);
}

test('a tool_use id outside [a-zA-Z0-9_-] is refused with the pattern, at its path', async () => {
  await withSim(SCENARIO, async (sim) => {
    for (const id of ['call.1', 'fc:abc', '']) {
      const message = await refusal(
        sim,
        base([userMessage('hi'), assistant({ type: 'text', text: 'ok' }, call(id)), user(result(id))]),
      );
      assert.equal(message, "messages.1.content.1.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'");
    }
    await accepted(sim, base([userMessage('hi'), assistant(call('toolu_01-Ab_9')), user(result('toolu_01-Ab_9'))]));
  });
});

test('tool_use ids must be unique across the conversation', async () => {
  await withSim(SCENARIO, async (sim) => {
    const message = await refusal(
      sim,
      base([userMessage('hi'), assistant(call('t1')), user(result('t1')), assistant(call('t1')), user(result('t1'))]),
    );
    assert.equal(message, 'messages.3.content.0: `tool_use` ids must be unique');
  });
});

test('a tool_result must answer a tool_use of the immediately preceding assistant turn', async () => {
  await withSim(SCENARIO, async (sim) => {
    const wrongId = await refusal(
      sim,
      base([
        userMessage('hi'),
        assistant(call('t1')),
        user(result('t1')),
        assistant({ type: 'text', text: 'done' }),
        user(result('t1')),
      ]),
    );
    assert.equal(
      wrongId,
      'messages.4.content.0: unexpected `tool_use_id` found in `tool_result` blocks: t1. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
    const noCall = await refusal(sim, base([user(result('t9'))]));
    assert.match(noCall, /^messages\.0\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: t9\./);
    // Consecutive messages of one role are one turn, as the API combines them.
    await accepted(
      sim,
      base([
        userMessage('hi'),
        { role: 'assistant', content: 'let me look' },
        assistant(call('t1')),
        user(result('t1')),
        userMessage('and?'),
      ]),
    );
  });
});

test('every tool_use must be answered in the next turn (unless it is the last turn)', async () => {
  await withSim(SCENARIO, async (sim) => {
    const message = await refusal(
      sim,
      base([userMessage('hi'), assistant(call('t1'), call('t2')), user(result('t1'))]),
    );
    assert.equal(
      message,
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: t2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
    );
    await accepted(sim, base([userMessage('hi'), assistant(call('t1'))]));
  });
});

test('a custom tool needs input_schema with type "object"; server tools need none', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (tools: Body[]) => ({ model: 'sim-large', max_tokens: 64, tools, messages: [userMessage('hi')] });
    assert.equal(
      await refusal(
        sim,
        ask([
          { name: 'a', input_schema: { type: 'object' } },
          { name: 'b', input_schema: {} },
        ]),
      ),
      'tools.1.custom.input_schema.type: Field required',
    );
    assert.equal(
      await refusal(sim, ask([{ name: 'a', input_schema: { type: 'string' } }])),
      "tools.0.custom.input_schema.type: Input should be 'object'",
    );
    assert.equal(
      await refusal(sim, ask([{ name: 'a', description: 'no schema' }])),
      'tools.0.custom.input_schema: Field required',
    );
    await accepted(
      sim,
      ask([
        { type: 'web_search_20250305', name: 'web_search' },
        { type: 'custom', name: 'a', input_schema: { type: 'object', properties: {} } },
      ]),
    );
  });
});

test('temperature is 0..1 on the Anthropic API', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (temperature: number) => ({
      model: 'sim-large',
      max_tokens: 64,
      temperature,
      messages: [userMessage('hi')],
    });
    assert.equal(await refusal(sim, ask(1.2)), 'temperature: Input should be less than or equal to 1');
    assert.equal(await refusal(sim, ask(-0.1)), 'temperature: Input should be greater than or equal to 0');
    await accepted(sim, ask(1));
    await accepted(sim, ask(0));
  });
});

test('recent Claude models take temperature or top_p, not both; Opus 4.7 and Claude 5 models take no temperature', async () => {
  const models = {
    'claude-sonnet-4-5': {},
    'claude-opus-4-1-20250805': {},
    'claude-haiku-4-5': {},
    'claude-opus-4-7': {},
    'claude-sonnet-4-20250514': {},
    'claude-3-5-sonnet-20241022': {},
  };
  await withSim({ ...SCENARIO, models }, async (sim) => {
    const ask = (model: string, extra: Body) => ({ model, max_tokens: 64, messages: [userMessage('hi')], ...extra });
    const both = { temperature: 0.7, top_p: 0.9 };
    for (const model of ['claude-sonnet-4-5', 'claude-opus-4-1-20250805', 'claude-haiku-4-5']) {
      assert.equal(
        await refusal(sim, ask(model, both)),
        '`temperature` and `top_p` cannot both be specified for this model. Please use only one.',
      );
      await accepted(sim, ask(model, { temperature: 0.7 }));
      await accepted(sim, ask(model, { top_p: 0.9 }));
    }
    for (const model of ['claude-opus-4-7', 'claude-fable-5'])
      assert.equal(await refusal(sim, ask(model, { temperature: 0 })), '`temperature` is deprecated for this model.');
    await accepted(sim, ask('claude-opus-4-7', {}));
    // Claude 4 (a date after the major version is no minor version) and Claude 3 take both.
    await accepted(sim, ask('claude-sonnet-4-20250514', both));
    await accepted(sim, ask('claude-3-5-sonnet-20241022', both));
  });
});

test('a stop sequence that is empty or only whitespace is refused', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (stop_sequences: string[]) => ({
      model: 'sim-large',
      max_tokens: 64,
      stop_sequences,
      messages: [userMessage('hi')],
    });
    assert.equal(await refusal(sim, ask(['END', ''])), 'stop_sequences: each stop sequence must be non-empty');
    assert.equal(await refusal(sim, ask(['\n'])), 'stop_sequences: each stop sequence must contain non-whitespace');
    await accepted(sim, ask(['END', '\n\nHuman:']));
  });
});

test('empty and blank content is refused, except an empty final assistant turn', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (messages: Body[], extra: Body = {}) => ({ model: 'sim-large', max_tokens: 64, messages, ...extra });
    assert.equal(
      await refusal(sim, ask([user({ type: 'text', text: '' })])),
      'messages: text content blocks must be non-empty',
    );
    assert.equal(
      await refusal(sim, ask([user({ type: 'text', text: 'hi' }, { type: 'text', text: ' \n' })])),
      'messages: text content blocks must contain non-whitespace text',
    );
    assert.equal(
      await refusal(sim, ask([userMessage('   ')])),
      'messages: text content blocks must contain non-whitespace text',
    );
    assert.equal(
      await refusal(sim, ask([userMessage('hi'), { role: 'assistant', content: '' }, userMessage('again')])),
      'messages.1: all messages must have non-empty content except for the optional final assistant message',
    );
    assert.equal(
      await refusal(sim, ask([{ role: 'user', content: [] }])),
      'messages.0: all messages must have non-empty content except for the optional final assistant message',
    );
    assert.equal(
      await refusal(sim, ask([userMessage('hi')], { system: [{ type: 'text', text: '' }] })),
      'system: text content blocks must be non-empty',
    );
    await accepted(sim, ask([userMessage('hi'), { role: 'assistant', content: '' }]));
    await accepted(sim, ask([userMessage('hi')], { system: '' }));
  });
});

test("the first message must be the user's; only user, assistant and system roles; no trailing whitespace in a prefill", async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (messages: Body[]) => ({ model: 'sim-large', max_tokens: 64, messages });
    assert.equal(
      await refusal(sim, ask([{ role: 'assistant', content: 'Hello!' }, userMessage('hi')])),
      'messages: first message must use the "user" role',
    );
    assert.equal(
      await refusal(sim, ask([userMessage('hi'), { role: 'developer', content: 'be brief' }])),
      "messages.1.role: Input should be 'user', 'assistant' or 'system'",
    );
    assert.equal(
      await refusal(sim, ask([userMessage('hi'), { role: 'assistant', content: 'The answer is ' }])),
      'messages: final assistant content cannot end with trailing whitespace',
    );
    await accepted(sim, ask([userMessage('hi'), { role: 'assistant', content: 'The answer is' }]));
  });
});

test('a refused body is checked after the key: a bad key is still 401', async () => {
  await withSim(SCENARIO, async (sim) => {
    const r = await anthropic(sim, 'sk-unknown-key-0000', {
      model: 'sim-large',
      max_tokens: 64,
      temperature: 5,
      messages: [userMessage('hi')],
    });
    assert.equal(r.status, 401);
  });
});

test('a mid-conversation system message: on models that take it, right after a user turn, last or before the assistant', async () => {
  await withSim(
    { ...SCENARIO, models: { 'sim-large': {}, 'claude-opus-5-5': {}, 'claude-opus-4-8': {}, 'claude-sonnet-4-5': {} } },
    async (sim) => {
      const ask = (messages: Body[], model = 'claude-opus-5-5') => ({ model, max_tokens: 64, messages });
      const system = (content: unknown = 'be brief'): Body => ({ role: 'system', content });
      await accepted(sim, ask([userMessage('hi'), system()]));
      await accepted(
        sim,
        ask(
          [
            userMessage('hi'),
            system([{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }]),
            { role: 'assistant', content: 'ok' },
            userMessage('go'),
          ],
          'claude-opus-4-8',
        ),
      );
      await accepted(sim, ask([userMessage('hi'), system()], 'sim-large'));
      assert.equal(
        await refusal(sim, ask([userMessage('hi'), system()], 'claude-sonnet-4-5')),
        "messages.1.role: role 'system' is not supported on this model; use the top-level `system` field",
      );
      assert.equal(
        await refusal(sim, ask([userMessage('hi'), system(), userMessage('go')])),
        'messages.1: a system message must be the last message or be followed by an assistant message',
      );
      assert.equal(
        await refusal(sim, ask([userMessage('hi'), { role: 'assistant', content: 'ok' }, system()])),
        'messages.2: a system message must immediately follow a user message',
      );
      assert.equal(
        await refusal(sim, ask([userMessage('hi'), system(), system('and kind')])),
        'messages.2: a system message cannot follow another system message',
      );
      assert.equal(
        await refusal(sim, ask([userMessage('hi'), system([{ type: 'image', source: {} }])])),
        'messages.1.content.0: system messages may hold text blocks only',
      );
    },
  );
});

test("thinking: tool results need the assistant turn's thinking block; adaptive thinking, effort and clear_thinking where they are taken", async () => {
  await withSim(
    { ...SCENARIO, models: { 'sim-large': {}, 'claude-opus-5-5': {}, 'claude-haiku-4-5': {} } },
    async (sim) => {
      const adaptive = { thinking: { type: 'adaptive' } };
      const toolTurn = [userMessage('hi'), assistant(call('t1')), user(result('t1'))];
      assert.match(
        await refusal(sim, base(toolTurn, adaptive)),
        /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\. When `thinking` is enabled, a final `assistant` message must start with a thinking block/,
      );
      await accepted(
        sim,
        base(
          [
            userMessage('hi'),
            assistant({ type: 'thinking', thinking: '', signature: simSignature('') }, call('t1')),
            user(result('t1')),
          ],
          adaptive,
        ),
      );
      // Thinking off: the last assistant message may hold no thinking block.
      assert.equal(
        await refusal(
          sim,
          base(
            [
              userMessage('hi'),
              assistant({ type: 'thinking', thinking: '', signature: simSignature('') }, call('t1')),
              user(result('t1')),
            ],
            { thinking: { type: 'disabled' } },
          ),
        ),
        'messages.1.content.0: When thinking is disabled, an `assistant` message in the final position cannot contain `thinking`. To use thinking blocks, enable `thinking` in your request.',
      );
      // A signature the simulator did not issue for that text is refused, as Anthropic refuses another's.
      assert.equal(
        await refusal(
          sim,
          base(
            [
              userMessage('hi'),
              assistant({ type: 'thinking', thinking: 'edited', signature: simSignature('') }, call('t1')),
              user(result('t1')),
            ],
            adaptive,
          ),
        ),
        'messages.1.content.0: Invalid `signature` in `thinking` block',
      );
      await accepted(sim, base(toolTurn, { thinking: { type: 'disabled' } }));
      await accepted(
        sim,
        base([userMessage('hi'), assistant({ type: 'text', text: 'hello' }), userMessage('again')], adaptive),
      );
      assert.equal(
        await refusal(sim, base([userMessage('hi')], { model: 'claude-haiku-4-5', ...adaptive })),
        'thinking.type: adaptive thinking is not supported on this model',
      );
      assert.equal(
        await refusal(sim, base([userMessage('hi')], { model: 'claude-haiku-4-5', output_config: { effort: 'high' } })),
        'output_config.effort: effort is not supported on this model',
      );
      await accepted(
        sim,
        base([userMessage('hi')], { model: 'claude-opus-5-5', ...adaptive, output_config: { effort: 'high' } }),
      );
      const clear = { context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] } };
      assert.equal(
        await refusal(sim, base([userMessage('hi')], clear)),
        'context_management.edits: the clear_thinking strategy requires thinking to be enabled',
      );
      await accepted(sim, base([userMessage('hi')], { ...clear, ...adaptive }));
    },
  );
});
