// The guard on answers from a route that serves the Responses API, whose own object and events reach a Responses
// caller as they came: a secret the model says is redacted there too, whole or in deltas that cut it anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY } from '../gateway/harness.ts';
import { startCannedUpstream, type CannedReply } from '../helpers/canned-upstream.ts';
import { plantedSecrets } from './corpus.ts';

const awsKey = plantedSecrets()[0]!.secrets[0]!;
const said = `Your key is ${awsKey}, keep it safe.`;

const message = (text: string, status: string) => ({
  type: 'message',
  id: 'msg_1',
  status,
  role: 'assistant',
  content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});
const response = (status: string, output: unknown[]) => ({
  id: 'resp_up_1',
  object: 'response',
  created_at: 1,
  status,
  error: null,
  incomplete_details: null,
  model: 'gpt-up',
  output,
  usage: status === 'completed' ? { input_tokens: 3, output_tokens: 5, total_tokens: 8 } : null,
  tools: [],
  tool_choice: 'auto',
  parallel_tool_calls: true,
});

function streamed(size: number): string {
  const at = { output_index: 0, item_id: 'msg_1', content_index: 0 };
  const deltas: [string, Record<string, unknown>][] = [];
  for (let i = 0; i < said.length; i += size)
    deltas.push(['response.output_text.delta', { ...at, delta: said.slice(i, i + size), logprobs: [] }]);
  const events: [string, Record<string, unknown>][] = [
    ['response.created', { response: response('in_progress', []) }],
    ['response.output_item.added', { output_index: 0, item: message('', 'in_progress') }],
    ['response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }],
    ...deltas,
    ['response.output_text.done', { ...at, text: said, logprobs: [] }],
    ['response.output_item.done', { output_index: 0, item: message(said, 'completed') }],
    ['response.completed', { response: response('completed', [message(said, 'completed')]) }],
  ];
  return events
    .map(([type, data], i) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data })}\n\n`)
    .join('');
}

test('a Responses route saying a secret reaches a Responses caller redacted, whole and streamed', async () => {
  const replies: CannedReply[] = [
    { status: 200, body: response('completed', [message(said, 'completed')]) },
    ...[1, 4].map((n) => ({ status: 200, body: streamed(n), headers: { 'content-type': 'text/event-stream' } })),
  ];
  await using up = await startCannedUpstream(replies);
  await using h = await startHarness({
    scenario: {},
    config: () => ({
      providers: { resp: simProvider(up.origin, 'openai', 'sk-canned-resp-guard-01', { responses_api: true }) },
      main: { provider: 'resp', model: 'gpt-up' },
      retry: { ...FAST_RETRY, max_retries: 0 },
      guard: { secrets: 'redact' },
    }),
  });
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const whole = await client.responses.create({ model: 'main', input: 'hi' });
  assert.equal(JSON.stringify(whole).includes(awsKey), false);
  assert.match(whole.output_text, /^Your key is \[redacted aws_access_key …[A-Z2-7]{4}\], keep it safe\.$/);
  for (const _ of [1, 4]) {
    let deltas = '';
    let raw = '';
    const stream = await client.responses.create({ model: 'main', input: 'hi', stream: true });
    for await (const ev of stream) {
      raw += JSON.stringify(ev);
      if (ev.type === 'response.output_text.delta') deltas += ev.delta;
    }
    assert.equal(raw.includes(awsKey), false, raw.slice(0, 300));
    assert.match(deltas, /^Your key is \[redacted aws_access_key …[A-Z2-7]{4}\], keep it safe\.$/);
  }
});
