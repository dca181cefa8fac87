// Requests the real OpenAI API refuses are refused here too: 400 invalid_request_error with OpenAI's message, param
// and code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, openai, parseJson, userMessage, type Body } from './client.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

const KEY = 'sk-sim-good';
const SCENARIO = { keys: { [KEY]: {} } };
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
const calls = (...ids: string[]): Body => ({
  role: 'assistant',
  content: null,
  tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } })),
});
const toolMessage = (id: string): Body => ({ role: 'tool', tool_call_id: id, content: 'sunny' });

type OpenAiError = { message: string; type: string; param: string | null; code: string | null };

async function refusal(sim: RunningSimulator, body: Body): Promise<OpenAiError> {
  const r = await openai(sim, KEY, body);
  assert.equal(r.status, 400, r.text);
  const error = (parseJson(r.text) as { error: OpenAiError }).error;
  assert.equal(error.type, 'invalid_request_error');
  assert.equal(sim.log().at(-1)?.outcome, 'bad_request');
  return error;
}

async function accepted(sim: RunningSimulator, body: Body): Promise<void> {
  const r = await openai(sim, KEY, body);
  assert.equal(r.status, 200, r.text);
}

test('tool_choice or parallel_tool_calls without tools is refused, `none` included; so is an empty tools list', async () => {
  await withSim(SCENARIO, async (sim) => {
    for (const tool_choice of ['auto', 'none', 'required', { type: 'function', function: { name: 'get_weather' } }]) {
      assert.deepEqual(await refusal(sim, { model: 'sim-large', tool_choice, messages: [userMessage('hi')] }), {
        message: "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
        type: 'invalid_request_error',
        param: 'tool_choice',
        code: null,
      });
    }
    assert.deepEqual(
      await refusal(sim, { model: 'sim-large', parallel_tool_calls: false, messages: [userMessage('hi')] }),
      {
        message:
          "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
        type: 'invalid_request_error',
        param: 'parallel_tool_calls',
        code: null,
      },
    );
    await accepted(sim, {
      model: 'sim-large',
      tools: TOOLS,
      parallel_tool_calls: false,
      messages: [userMessage('hi')],
    });
    const empty = await refusal(sim, { model: 'sim-large', tools: [], messages: [userMessage('hi')] });
    assert.equal(
      empty.message,
      "Invalid 'tools': empty array. Expected an array with minimum length 1, but got an empty array instead.",
    );
    assert.equal(empty.code, 'empty_array');
    await accepted(sim, { model: 'sim-large', tools: TOOLS, tool_choice: 'none', messages: [userMessage('hi')] });
    await accepted(sim, { model: 'sim-large', tool_choice: null, messages: [userMessage('hi')] });
  });
});

test('temperature is 0..2 on the OpenAI API', async () => {
  await withSim(SCENARIO, async (sim) => {
    assert.deepEqual(await refusal(sim, { model: 'sim-large', temperature: 2.5, messages: [userMessage('hi')] }), {
      message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead.",
      type: 'invalid_request_error',
      param: 'temperature',
      code: 'decimal_above_max_value',
    });
    assert.equal(
      (await refusal(sim, { model: 'sim-large', temperature: -1, messages: [userMessage('hi')] })).code,
      'decimal_below_min_value',
    );
    await accepted(sim, { model: 'sim-large', temperature: 2, messages: [userMessage('hi')] });
    await accepted(sim, { model: 'sim-large', temperature: 1.5, messages: [userMessage('hi')] });
  });
});

test('a tool message must answer a call of the assistant message before it', async () => {
  await withSim(SCENARIO, async (sim) => {
    const ask = (messages: Body[]) => ({ model: 'sim-large', tools: TOOLS, messages });
    const orphan = await refusal(sim, ask([userMessage('hi'), toolMessage('c1')]));
    assert.deepEqual(
      [orphan.message, orphan.param],
      [
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        'messages.[1].role',
      ],
    );
    const wrongId = await refusal(sim, ask([userMessage('hi'), calls('c1'), toolMessage('c2')]));
    assert.equal(
      wrongId.message,
      "Invalid parameter: 'tool_call_id' of 'c2' not found in 'tool_calls' of previous message.",
    );
    const late = await refusal(
      sim,
      ask([userMessage('hi'), calls('c1'), toolMessage('c1'), userMessage('more'), toolMessage('c1')]),
    );
    assert.equal(late.param, 'messages.[4].role');
    const missing = await refusal(
      sim,
      ask([userMessage('hi'), calls('c1', 'c2'), toolMessage('c1'), userMessage('more')]),
    );
    assert.equal(
      missing.message,
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: c2",
    );
    const noId = await refusal(sim, ask([userMessage('hi'), calls('c1'), { role: 'tool', content: 'sunny' }]));
    assert.deepEqual(
      [noId.message, noId.code],
      ["Missing required parameter: 'messages[2].tool_call_id'.", 'missing_required_parameter'],
    );
    await accepted(
      sim,
      ask([userMessage('hi'), calls('c1', 'c2'), toolMessage('c2'), toolMessage('c1'), userMessage('thanks')]),
    );
    await accepted(sim, ask([userMessage('hi'), calls('c1')]));
  });
});

test('JSON mode needs the word "json" somewhere in the messages', async () => {
  await withSim(SCENARIO, async (sim) => {
    const refused = await refusal(sim, {
      model: 'sim-large',
      response_format: { type: 'json_object' },
      messages: [userMessage('give me an object')],
    });
    assert.equal(
      refused.message,
      "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
    );
    await accepted(sim, {
      model: 'sim-large',
      response_format: { type: 'json_object' },
      messages: [{ role: 'system', content: 'Answer in JSON.' }, userMessage('give me an object')],
    });
  });
});
