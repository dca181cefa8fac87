// tool_choice as both APIs mean it: `none` never calls a tool (even when the prompt asks for one), `required`/`any`
// always calls one, a named tool is called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, openai, anthropic, parseJson, userMessage, type Body } from './client.ts';

const KEY = 'sk-sim-good';
const SCENARIO = { keys: { [KEY]: {} } };
const OPENAI_TOOLS = ['get_weather', 'get_time'].map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object' } },
}));
const ANTHROPIC_TOOLS = ['get_weather', 'get_time'].map((name) => ({ name, input_schema: { type: 'object' } }));

type Completion = {
  choices: {
    message: { content: string | null; tool_calls?: { function: { name: string } }[] };
    finish_reason: string;
  }[];
};
type Message = { content: { type: string; name?: string; text?: string }[]; stop_reason: string };

async function openAiAnswer(
  sim: Parameters<typeof openai>[0],
  tool_choice: unknown,
  text: string,
): Promise<[string, string | undefined]> {
  const body: Body = { model: 'sim-large', tools: OPENAI_TOOLS, tool_choice, messages: [userMessage(text)] };
  const choice = (parseJson((await openai(sim, KEY, body)).text) as Completion).choices[0]!;
  return [choice.finish_reason, choice.message.tool_calls?.[0]?.function.name];
}

async function anthropicAnswer(
  sim: Parameters<typeof anthropic>[0],
  tool_choice: unknown,
  text: string,
): Promise<[string, string | undefined]> {
  const body: Body = {
    model: 'sim-large',
    max_tokens: 64,
    tools: ANTHROPIC_TOOLS,
    tool_choice,
    messages: [userMessage(text)],
  };
  const message = parseJson((await anthropic(sim, KEY, body)).text) as Message;
  return [message.stop_reason, message.content.find((b) => b.type === 'tool_use')?.name];
}

test('OpenAI: tool_choice none answers in text even when asked to call a tool; required always calls one', async () => {
  await withSim(SCENARIO, async (sim) => {
    assert.deepEqual(await openAiAnswer(sim, 'none', 'call get_weather now'), ['stop', undefined]);
    const stream = await openai(sim, KEY, {
      model: 'sim-large',
      stream: true,
      tools: OPENAI_TOOLS,
      tool_choice: 'none',
      messages: [userMessage('call get_weather now')],
    });
    assert.ok(!stream.text.includes('tool_calls'), 'no tool-call delta in the stream either');
    assert.deepEqual(await openAiAnswer(sim, 'required', 'hello'), ['tool_calls', 'get_weather']);
    assert.deepEqual(await openAiAnswer(sim, 'required', 'call get_time please'), ['tool_calls', 'get_time']);
    assert.deepEqual(await openAiAnswer(sim, 'auto', 'call get_time please'), ['tool_calls', 'get_time']);
    assert.deepEqual(await openAiAnswer(sim, { type: 'function', function: { name: 'get_time' } }, 'hello'), [
      'tool_calls',
      'get_time',
    ]);
  });
});

test('Anthropic: tool_choice {type: none} answers in text; {type: any} always calls a tool; {type: tool} names it', async () => {
  await withSim(SCENARIO, async (sim) => {
    assert.deepEqual(await anthropicAnswer(sim, { type: 'none' }, 'call get_weather now'), ['end_turn', undefined]);
    assert.deepEqual(await anthropicAnswer(sim, { type: 'any' }, 'hello'), ['tool_use', 'get_weather']);
    assert.deepEqual(await anthropicAnswer(sim, { type: 'auto' }, 'call get_time please'), ['tool_use', 'get_time']);
    assert.deepEqual(await anthropicAnswer(sim, { type: 'tool', name: 'get_time' }, 'hello'), ['tool_use', 'get_time']);
  });
});
