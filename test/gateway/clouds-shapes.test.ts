// Every client shape on every cloud: a chat-completions caller, a Responses caller and an Anthropic Messages caller,
// each with its official SDK, through the gateway to Azure OpenAI, the Gemini API, Vertex AI (Claude and Gemini
// models) and Bedrock — a streamed tool call, thinking asked for, and structured output — against the simulator, which
// checks each cloud's own wire (and Bedrock's SigV4 signature).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, type Harness } from './harness.ts';

const BEDROCK = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** Each cloud's route; how its model's thinking reaches an Anthropic caller (Claude's signed blocks, Gemini's thought
 * summary unsigned, an OpenAI model's not at all: chat completions keep it hidden); and the field an OpenAI
 * caller's `reasoning_effort` reaches it as — none for Claude, which has no equivalent (docs/shapes.md). */
const ROUTES = [
  { route: 'azure/gpt-4o', thinks: 'hidden', effort: 'reasoning_effort' },
  { route: 'gemini/gemini-2.5-flash', thinks: 'unsigned', effort: 'generationConfig.thinkingConfig' },
  // Gemini 3 refuses a tool turn whose call lost its thought signature: the tool loops prove it is kept.
  { route: 'gemini/gemini-3-pro-preview', thinks: 'unsigned', effort: 'generationConfig.thinkingConfig' },
  { route: 'vertex/claude-sonnet-4-5', thinks: 'signed', effort: undefined },
  { route: 'vertex/gemini-2.5-pro', thinks: 'unsigned', effort: 'generationConfig.thinkingConfig' },
  { route: `bedrock/${BEDROCK}`, thinks: 'signed', effort: undefined },
] as const;

/** The fields of the last call the simulator served. */
const lastFields = (): string[] => h.sim.log().at(-1)?.fields ?? [];

const ASK = 'please call get_weather for Lisbon';
const weather = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const } },
  required: ['city'],
  additionalProperties: false,
};
const answerSchema = {
  type: 'object' as const,
  properties: { city: { type: 'string' as const }, celsius: { type: 'number' as const } },
  required: ['city', 'celsius'],
  additionalProperties: false,
};

let h: Harness;
before(async () => {
  h = await startHarness({
    scenario: {
      models: {
        'gpt-4o': {},
        'gemini-2.5-flash': {},
        'gemini-3-pro-preview': {},
        'gemini-2.5-pro': {},
        'claude-sonnet-4-5': {},
        [BEDROCK]: {},
      },
      keys: {
        'azure-key-000000000001': {},
        'AIza-gemini-key-0000001': {},
        'ya29.vertex-token-00001': {},
        AKIASIMSHAPES0000001: { aws_secret: 'shapes/secret+1' },
      },
    },
    config: (sim) => ({
      providers: {
        azure: {
          type: 'azure',
          base_url: sim,
          api_version: '2024-10-21',
          api_key: 'azure-key-000000000001',
          models: { 'gpt-4o': {} },
        },
        gemini: {
          type: 'gemini',
          base_url: sim,
          api_key: 'AIza-gemini-key-0000001',
          models: { 'gemini-2.5-flash': {}, 'gemini-3-pro-preview': {} },
        },
        vertex: {
          type: 'vertex',
          base_url: sim,
          project: 'sim-project',
          region: 'us-east5',
          api_key: 'ya29.vertex-token-00001',
          models: { 'claude-sonnet-4-5': {}, 'gemini-2.5-pro': {} },
        },
        bedrock: {
          type: 'bedrock',
          base_url: sim,
          region: 'us-east-1',
          api_key: 'AKIASIMSHAPES0000001:shapes/secret+1',
          models: { [BEDROCK]: {} },
        },
      },
      main: { provider: 'azure', model: 'gpt-4o' },
    }),
  });
});
after(() => h.close());

const openai = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
const isAnswer = (text: string): boolean => {
  const v = JSON.parse(text) as Record<string, unknown>;
  return typeof v['city'] === 'string' && typeof v['celsius'] === 'number';
};

for (const { route, thinks, effort } of ROUTES) {
  test(`${route}: chat completions — a streamed tool call, thinking asked for, structured output`, async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: weather } }];
    const stream = openai().chat.completions.stream({
      model: route,
      messages: [{ role: 'user', content: ASK }],
      tools,
      reasoning_effort: 'low',
      stream_options: { include_usage: true },
    });
    const done = await stream.finalChatCompletion();
    if (effort !== undefined) assert.ok(lastFields().includes(effort), `${effort} in ${lastFields().join(', ')}`);
    assert.equal(done.choices[0]?.finish_reason, 'tool_calls');
    const call = done.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === 'function' && call.function.name === 'get_weather');
    assert.match(String((JSON.parse(call.function.arguments) as { city?: unknown }).city), /Lisbon/);
    const json = await openai().chat.completions.create({
      model: route,
      messages: [{ role: 'user', content: 'the weather in Lisbon' }],
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: answerSchema, strict: true } },
    });
    assert.ok(isAnswer(json.choices[0]?.message.content ?? ''), json.choices[0]?.message.content ?? '');
  });

  test(`${route}: Responses — a streamed tool call, reasoning asked for, structured output`, async () => {
    const tool = { type: 'function' as const, name: 'get_weather', parameters: weather, strict: true };
    const done = await openai()
      .responses.stream({ model: route, input: ASK, tools: [tool], reasoning: { effort: 'low' } })
      .finalResponse();
    if (effort !== undefined) assert.ok(lastFields().includes(effort), `${effort} in ${lastFields().join(', ')}`);
    const call = done.output.find((o) => o.type === 'function_call');
    assert.ok(call?.type === 'function_call' && call.name === 'get_weather', JSON.stringify(done.output));
    assert.match(String((JSON.parse(call.arguments) as { city?: unknown }).city), /Lisbon/);
    const json = await openai().responses.create({
      model: route,
      input: 'the weather in Lisbon',
      text: { format: { type: 'json_schema', name: 'weather', schema: answerSchema, strict: true } },
    });
    assert.ok(isAnswer(json.output_text), json.output_text);
  });

  test(`${route}: Anthropic Messages — a streamed tool loop with thinking, structured output`, async () => {
    const tools = [{ name: 'get_weather', input_schema: weather }];
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    const first = await anthropic()
      .messages.stream({ model: route, max_tokens: 2048, thinking, tools, messages: [{ role: 'user', content: ASK }] })
      .finalMessage();
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use?.type === 'tool_use', JSON.stringify(first.content));
    assert.match(String((use.input as { city?: unknown }).city), /Lisbon/);
    // Every cloud's model thinks: Claude in signed blocks, which go back with the tool turn; Gemini's thought summary
    // comes as an unsigned block, which Gemini does not take back (and no Claude would check).
    const thought = first.content.find((b) => b.type === 'thinking');
    if (thinks === 'hidden') assert.equal(thought, undefined);
    else {
      assert.ok(thought?.type === 'thinking' && thought.thinking !== '', JSON.stringify(first.content));
      assert.equal(thought.signature !== '', thinks === 'signed');
    }
    const second = await anthropic()
      .messages.stream({
        model: route,
        max_tokens: 2048,
        thinking,
        tools,
        messages: [
          { role: 'user', content: ASK },
          { role: 'assistant', content: first.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"sky":"clear"}' }] },
        ],
      })
      .finalMessage();
    assert.equal(second.stop_reason, 'end_turn');
    const json = await anthropic().messages.create({
      model: route,
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'the weather in Lisbon' }],
      output_config: { format: { type: 'json_schema', schema: answerSchema } },
    });
    const text = json.content.find((b) => b.type === 'text');
    assert.ok(text?.type === 'text' && isAnswer(text.text), JSON.stringify(json.content));
  });
}
