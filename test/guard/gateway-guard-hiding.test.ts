// Ways to hide a secret from the guard, sent as raw bodies to a real gateway before the simulator (a recording proxy
// between them holds what the upstream received): JSON escapes (`\u0041KIA…`), fullwidth look-alikes, a zero-width
// character inside a key, and tool names over 64 characters, in the OpenAI, Anthropic and Responses shapes. Under
// redact the key never goes upstream; under block the caller gets a 400 naming the rule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, type Harness } from '../gateway/harness.ts';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.ts';
import { until } from '../helpers/until.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { plantedSecrets } from './corpus.ts';

let h: Harness;
let proxy: RecordingProxy;
let blockKey: string;

before(async () => {
  proxy = await startRecordingProxy();
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-guard-hiding-0001': {} } },
    config: (sim) => {
      proxy.target(sim);
      return {
        providers: { sim: simProvider(proxy.url, 'openai', 'sk-sim-guard-hiding-0001') },
        main: { provider: 'sim', model: 'sim-large' },
        auxiliary: { compression: { enabled: false } },
        retry: FAST_RETRY,
        guard: { secrets: 'redact' },
      };
    },
  });
  blockKey = generateKey();
  h.store.addGatewayKey({ ...newKeyRecord(blockKey, 'guard-hiding-block'), guard: 'block' });
  await until('the blocking key', async () => {
    const res = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${blockKey}` } });
    return res.status === 200;
  });
});
after(async () => {
  await h.close();
  await proxy.close();
});

const LONG_TOOL = `read_file_${'x'.repeat(70)}`;

/** One request carrying `text` in a user message, a tool call's arguments (named LONG_TOOL) and a tool result. */
const SHAPES: Record<string, { path: string; body: (text: string) => object }> = {
  openai: {
    path: '/v1/chat/completions',
    body: (text) => ({
      model: 'main',
      tools: [{ type: 'function', function: { name: LONG_TOOL, parameters: { type: 'object' } } }],
      messages: [
        { role: 'user', content: `my env: ${text}` },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: LONG_TOOL, arguments: JSON.stringify({ text }) } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: text },
      ],
    }),
  },
  anthropic: {
    path: '/v1/messages',
    body: (text) => ({
      model: 'main',
      max_tokens: 50,
      tools: [{ name: LONG_TOOL, input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: `my env: ${text}` },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: LONG_TOOL, input: { text } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: text }] },
      ],
    }),
  },
  responses: {
    path: '/v1/responses',
    body: (text) => ({
      model: 'main',
      tools: [{ type: 'function', name: LONG_TOOL, parameters: { type: 'object' } }],
      input: [
        { role: 'user', content: `my env: ${text}` },
        { type: 'function_call', call_id: 'call_1', name: LONG_TOOL, arguments: JSON.stringify({ text }) },
        { type: 'function_call_output', call_id: 'call_1', output: text },
      ],
    }),
  },
};

const key = plantedSecrets()[0]!.secrets[0]!;
const tail = key.slice(4);
/** The AWS key each way of hiding it, as raw body text (`escape`: every `AKIA` spelled `\u0041KIA` in the bytes). */
const HIDINGS: { name: string; text: string; escape?: true }[] = [
  { name: 'plain, beside a tool name over 64 characters', text: `AWS_ACCESS_KEY_ID=${key}` },
  { name: 'a JSON escape', text: `AWS_ACCESS_KEY_ID=${key}`, escape: true },
  { name: 'fullwidth look-alikes', text: `AWS_ACCESS_KEY_ID=ＡＫＩＡ${tail}` },
  { name: 'a zero-width space inside', text: `AWS_ACCESS_KEY_ID=AK\u200bIA${tail}` },
];

function raw(shape: string, hiding: (typeof HIDINGS)[number]): string {
  const text = JSON.stringify(SHAPES[shape]!.body(hiding.text));
  return hiding.escape === true ? text.replaceAll('AKIA', '\\u0041KIA') : text;
}

async function send(shape: string, body: string, apiKey: string): Promise<Response> {
  return fetch(`${h.url}${SHAPES[shape]!.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-api-key': apiKey },
    body,
  });
}

test('under redact no way of hiding a key gets it upstream, in any shape', async () => {
  for (const shape of Object.keys(SHAPES))
    for (const hiding of HIDINGS) {
      const from = proxy.bodies.length;
      const res = await send(shape, raw(shape, hiding), h.key);
      assert.equal(res.status, 200, `${shape}, ${hiding.name}: ${await res.text()}`);
      const sent = proxy.bodies
        .slice(from)
        .map((b) => b.text)
        .join('\n');
      assert.ok(sent.length > 0, `${shape}, ${hiding.name}: the request went upstream`);
      assert.ok(!sent.includes(tail), `${shape}, ${hiding.name}: the key went upstream`);
      assert.match(sent, /\[redacted aws_access_key …[A-Z2-7]{4}\]/, `${shape}, ${hiding.name}`);
    }
});

test('under block every way of hiding a key is refused with a 400 naming the rule, and nothing goes upstream', async () => {
  const from = proxy.bodies.length;
  for (const shape of Object.keys(SHAPES))
    for (const hiding of HIDINGS) {
      const res = await send(shape, raw(shape, hiding), blockKey);
      const text = await res.text();
      assert.equal(res.status, 400, `${shape}, ${hiding.name}: ${text}`);
      assert.match(text, /rule aws-access-key/, `${shape}, ${hiding.name}`);
      assert.ok(!text.includes(tail), `${shape}, ${hiding.name}: the refusal names no secret`);
    }
  assert.equal(proxy.bodies.length, from);
});
