// What the real APIs refuse in a well-formed body, the simulator refuses too, in their words: Anthropic's tool-call
// id rules, tool results that answer nothing, tool schemas that are not object schemas, temperature above 1; OpenAI's
// tool settings without tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSim, anthropic, openai, parseJson, userMessage } from './client.ts';

const KEY = 'sk-rules-good';
const SCENARIO = { keys: { [KEY]: {} } };

const toolUse = (id: string): Record<string, unknown> => ({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'f', input: {} }] });
const toolResult = (id: string): Record<string, unknown> => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] });
const TOOLS = [{ name: 'f', input_schema: { type: 'object' } }];

test('Anthropic API: tool_use ids, tool results, tool schemas and temperature as the real API checks them', async () => {
  await withSim(SCENARIO, async (sim) => {
    const send = async (fields: Record<string, unknown>, messages: unknown[]): Promise<{ status: number; message: string }> => {
      const r = await anthropic(sim, KEY, { model: 'sim-large', max_tokens: 50, tools: TOOLS, ...fields, messages: [userMessage('go'), ...messages] });
      return { status: r.status, message: r.status === 200 ? '' : String((parseJson(r.text)['error'] as Record<string, unknown>)['message']) };
    };
    assert.equal((await send({}, [toolUse('toolu_1'), toolResult('toolu_1'), toolUse('call_0'), toolResult('call_0')])).status, 200);
    const refused: [Record<string, unknown>, unknown[], RegExp][] = [
      [{}, [toolUse('functions.Bash:0'), toolResult('functions.Bash:0')], /^messages\.1\.content\.0\.tool_use\.id: String should match pattern/],
      [{}, [toolUse(''), toolResult('')], /^messages\.1\.content\.0\.tool_use\.id: String should match pattern/],
      [{}, [toolUse('call_0'), toolResult('call_0'), toolUse('call_0'), toolResult('call_0')], /^messages\.3\.content\.0: `tool_use` ids must be unique/],
      [{}, [toolUse('a'), toolResult('b')], /^messages\.2\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: b\./],
      [{ tools: [{ name: 'f', input_schema: {} }] }, [], /^tools\.0\.custom\.input_schema\.type: Input should be 'object'/],
      [{ temperature: 1.5 }, [], /^temperature: Input should be less than or equal to 1/],
    ];
    for (const [fields, messages, pattern] of refused) {
      const r = await send(fields, messages);
      assert.equal(r.status, 400, String(pattern));
      assert.match(r.message, pattern);
    }
    assert.equal(sim.log().at(-1)?.outcome, 'bad_request');
    // A server tool has no input_schema of its own to check.
    assert.equal((await send({ tools: [...TOOLS, { type: 'web_search_20250305', name: 'web_search' }] }, [])).status, 200);
  });
});

test('OpenAI API: tool_choice and parallel_tool_calls are refused without tools, as OpenAI refuses them', async () => {
  await withSim(SCENARIO, async (sim) => {
    const base = { model: 'sim-large', messages: [userMessage('go')] };
    for (const field of ['tool_choice', 'parallel_tool_calls'] as const) {
      const r = await openai(sim, KEY, { ...base, [field]: field === 'tool_choice' ? 'auto' : false });
      assert.equal(r.status, 400);
      assert.match(String((parseJson(r.text)['error'] as Record<string, unknown>)['message']), new RegExp(`^Invalid value for '${field}': '${field}' is only allowed when 'tools' are specified\\.`));
    }
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    assert.equal((await openai(sim, KEY, { ...base, tools, tool_choice: 'auto', parallel_tool_calls: false })).status, 200);
  });
});
