// Codex CLI 0.169's first request (`wire_api = "responses"`, its "Responses Lite" dialect), as the client replay
// suite captured it (a copy of test/fixtures/clients/codex-0.169.0/tool-1.json, whose `answered` is the 400 the
// gateway gave before it read additional_tools), through the real gateway with the official `openai` SDK: its tools come in an `additional_tools`
// input item, in namespaces (`functions` for its own tools, `clock`, `collaboration`), beside developer messages,
// `reasoning.context`, `text.verbosity`, `client_metadata`, `include` and `store: false`. Codex's own tool (`exec`,
// a custom tool in the functions namespace) is called plain; a namespaced one inside its namespace, with arguments
// its schema accepts — streaming and not, on an OpenAI and an Anthropic route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {} },
      keys: { 'sk-sim-good-codex-00001': {}, 'sk-ant-good-codex-00001': {} },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', 'sk-sim-good-codex-00001'),
        ant: simProvider(sim, 'anthropic', 'sk-ant-good-codex-00001'),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: { claude: { provider: 'ant', model: 'sim-small', fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });

type Body = Record<string, unknown> & { input: Record<string, unknown>[] };
const captured = JSON.parse(
  readFileSync(new URL('../fixtures/responses/codex-0.169.0-tool.json', import.meta.url), 'utf8'),
) as { request: { body: Body } };

/** The captured request for a model of this gateway, the user's last words replaced. */
function codexRequest(model: string, say: string): Body {
  const body = structuredClone(captured.request.body);
  const last = body.input.at(-1)!;
  last['content'] = [{ type: 'input_text', text: say }];
  return { ...body, model };
}

/** A namespace's tool in the captured declarations. */
function declared(namespace: string, name: string): Record<string, unknown> {
  const item = captured.request.body.input.find((i) => i['type'] === 'additional_tools')!;
  const ns = (item['tools'] as { name: string; tools: { name: string }[] }[]).find((t) => t.name === namespace)!;
  return ns.tools.find((t) => t.name === name) as Record<string, unknown>;
}

const create = (body: Body) =>
  client().responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming);
const stream = (body: Body) =>
  client().responses.stream(body as unknown as OpenAI.Responses.ResponseCreateParamsStreaming);

test("Codex's request is answered: its own tool (functions namespace) is called plain, streaming and not", async () => {
  for (const model of ['main', 'claude']) {
    const whole = await create({ ...codexRequest(model, 'call exec'), stream: false });
    const call = whole.output.find((o) => o.type === 'custom_tool_call');
    assert.ok(call && call.type === 'custom_tool_call', `${model}: ${JSON.stringify(whole.output)}`);
    assert.deepEqual([call.name, call.namespace], ['exec', undefined], model);
    // The simulator's free text is the start of the last user turn (an Anthropic route's joins Codex's two user
    // messages into one).
    assert.ok(call.input.length > 0, model);

    const streamed = await stream(codexRequest(model, 'call exec')).finalResponse();
    const streamedCall = streamed.output.find((o) => o.type === 'custom_tool_call');
    assert.ok(streamedCall && streamedCall.type === 'custom_tool_call', `${model}: ${JSON.stringify(streamed.output)}`);
    assert.deepEqual([streamedCall.name, streamedCall.namespace], ['exec', undefined], model);
  }
});

test('a tool of another namespace is called inside it, with arguments its schema accepts', async () => {
  const validate = new Ajv2020({ strict: false }).compile(declared('clock', 'sleep')['parameters'] as object);
  for (const model of ['main', 'claude']) {
    const streamed = await stream(codexRequest(model, 'call clock__sleep for a while')).finalResponse();
    const call = streamed.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', `${model}: ${JSON.stringify(streamed.output)}`);
    assert.deepEqual([call.namespace, call.name], ['clock', 'sleep'], model);
    assert.ok(validate(JSON.parse(call.arguments)), `${model}: ${call.arguments}`);

    // Codex's next request: the call and its output appended, the tools declared again.
    const body = codexRequest(model, 'call clock__sleep for a while');
    body.input.push(
      { type: 'function_call', call_id: call.call_id, name: 'sleep', namespace: 'clock', arguments: call.arguments },
      { type: 'function_call_output', call_id: call.call_id, output: 'slept' },
    );
    const next = await create({ ...body, stream: false });
    assert.match(next.output_text, /got tool result: slept/, model);
  }
});

test("a plain answer to Codex's request streams as text", async () => {
  const final = await stream(codexRequest('main', 'say hello')).finalResponse();
  assert.equal(final.status, 'completed');
  assert.match(final.output_text, /reply to: say hello/);
});
