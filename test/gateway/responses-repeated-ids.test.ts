// An upstream that repeats its answer ids (Ollama's `chatcmpl-1` after a restart, a local server that numbers from 1)
// behind the Responses API: the gateway's response ids are its own, so two conversations, of one client key or two,
// stay apart over HTTP and the WebSocket, and stored responses are read back and deleted per key; a Responses route
// is still sent its own id as previous_response_id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { startHarness, simProvider, type Harness } from './harness.ts';
import { startCannedUpstream, type CannedReply, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { until } from '../helpers/until.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';

const KEY = 'sk-canned-repeated-ids-01';
/** What every chat answer and every Responses answer of the upstream is called. */
const CHAT_ID = 'chatcmpl-1';
const RESPONSE_ID = 'resp_1';

let up: CannedUpstream;
let h: Harness;

type Json = Record<string, unknown>;

/** The text of the last item or message the upstream was sent. */
function lastText(items: unknown): string {
  if (typeof items === 'string') return items;
  const last = (Array.isArray(items) ? items.at(-1) : undefined) as { content?: unknown } | undefined;
  const content = last?.content;
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((p: { text?: string }) => p.text ?? '').join('') : '';
}

function chatAnswer(body: Json): CannedReply {
  const text = `answer to ${lastText(body['messages'])}`;
  const head = { id: CHAT_ID, created: 0, model: body['model'] };
  if (body['stream'] !== true)
    return {
      status: 200,
      body: {
        ...head,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
    };
  const chunk = (choice: Json, extra: Json = {}) =>
    `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, ...choice }], ...extra })}\n\n`;
  const sse =
    chunk({ delta: { role: 'assistant', content: text }, finish_reason: null }) +
    chunk(
      { delta: {}, finish_reason: 'stop' },
      { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
    ) +
    'data: [DONE]\n\n';
  return { status: 200, body: sse, headers: { 'content-type': 'text/event-stream' } };
}

function responsesAnswer(body: Json): CannedReply {
  const item = {
    type: 'message',
    id: 'msg_1',
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: `answer to ${lastText(body['input'])}`, annotations: [], logprobs: [] }],
  };
  const response = {
    id: RESPONSE_ID,
    object: 'response',
    created_at: 1,
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: body['model'],
    output: [item],
    usage: { input_tokens: 10, output_tokens: 4, total_tokens: 14 },
    store: body['store'] !== false,
    tools: [],
    tool_choice: 'auto',
    parallel_tool_calls: true,
  };
  if (body['stream'] !== true) return { status: 200, body: response };
  const events: [string, Json][] = [
    ['response.created', { response: { ...response, status: 'in_progress', output: [] } }],
    ['response.in_progress', { response: { ...response, status: 'in_progress', output: [] } }],
    ['response.output_item.added', { output_index: 0, item }],
    ['response.output_item.done', { output_index: 0, item }],
    ['response.completed', { response }],
  ];
  const sse = events
    .map(([type, data], i) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data })}\n\n`)
    .join('');
  return { status: 200, body: sse, headers: { 'content-type': 'text/event-stream' } };
}

before(async () => {
  up = await startCannedUpstream([], (request, { url }) => {
    const body = request as unknown as Json;
    return url.endsWith('/responses') ? responsesAnswer(body) : chatAnswer(body);
  });
  h = await startHarness({
    scenario: {},
    config: () => ({
      providers: {
        local: simProvider(up.origin, 'openai', KEY),
        resp: simProvider(up.origin, 'openai', KEY, { responses_api: true }),
      },
      main: { provider: 'local', model: 'llama' },
      auxiliary: { stateful: { provider: 'resp', model: 'gpt-up', fallback_to_main: false } },
      gateway: { aliases: { 'gpt-up': 'stateful' } },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  });
});
after(async () => {
  await h.close();
  await up.close();
});

const client = (key = h.key): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });

/** A second client key, made for the test. */
function otherKey(name: string): string {
  const key = generateKey();
  h.store.addGatewayKey(newKeyRecord(key, name));
  return key;
}

/** The role and text of each message the upstream was last sent. */
function lastSent(): string[][] {
  const messages = up.calls.at(-1)!.body['messages'] as { role: string; content: unknown }[];
  return messages.map((m) => [m.role, lastText([m])]);
}

const notFound = (pattern: RegExp) => (err: unknown) =>
  err instanceof OpenAI.NotFoundError && pattern.test(err.message);

test('two conversations of one key through an upstream that repeats ids stay apart', async () => {
  const x1 = await client().responses.create({ model: 'main', input: 'X one' });
  const y1 = await client().responses.create({ model: 'main', input: 'Y one' });
  assert.notEqual(x1.id, y1.id, 'each response has an id of its own');
  assert.ok(!x1.id.includes(CHAT_ID), `the gateway's id, not the upstream's: ${x1.id}`);

  const x2 = await client().responses.create({ model: 'main', previous_response_id: x1.id, input: 'X two' });
  assert.deepEqual(lastSent(), [
    ['user', 'X one'],
    ['assistant', 'answer to X one'],
    ['user', 'X two'],
  ]);
  const streamed = await client()
    .responses.stream({ model: 'main', previous_response_id: y1.id, input: 'Y two' })
    .finalResponse();
  assert.deepEqual(lastSent(), [
    ['user', 'Y one'],
    ['assistant', 'answer to Y one'],
    ['user', 'Y two'],
  ]);
  assert.ok(![x1.id, y1.id, x2.id].includes(streamed.id));

  assert.equal((await client().responses.retrieve(x1.id)).output_text, 'answer to X one');
  assert.equal((await client().responses.retrieve(y1.id)).output_text, 'answer to Y one');
  const items = await client().responses.inputItems.list(x2.id, { order: 'asc' });
  assert.deepEqual(
    items.data.map((i) => (i.type === 'message' ? lastText([i]) : i.type)),
    ['X one', 'answer to X one', 'X two'],
  );
});

test('two client keys through an upstream that repeats ids each keep their own responses', async () => {
  const b = otherKey('repeated-ids-b');
  const mine = await client().responses.create({ model: 'main', input: 'A asks' });
  const theirs = await client(b).responses.create({ model: 'main', input: 'B asks' });
  assert.notEqual(mine.id, theirs.id);

  assert.equal((await client().responses.retrieve(mine.id)).output_text, 'answer to A asks');
  assert.equal((await client(b).responses.retrieve(theirs.id)).output_text, 'answer to B asks');
  await assert.rejects(client(b).responses.retrieve(mine.id), notFound(/made with another client key/));
  await assert.rejects(client().responses.inputItems.list(theirs.id), notFound(/made with another client key/));
  await assert.rejects(client().responses.delete(theirs.id), notFound(/made with another client key/));

  await client().responses.create({ model: 'main', previous_response_id: mine.id, input: 'A goes on' });
  assert.deepEqual(lastSent(), [
    ['user', 'A asks'],
    ['assistant', 'answer to A asks'],
    ['user', 'A goes on'],
  ]);
  await client(b).responses.delete(theirs.id);
  assert.equal((await client().responses.retrieve(mine.id)).output_text, 'answer to A asks', 'B’s delete is B’s');
  const listed = await client().responses.inputItems.list(mine.id);
  assert.deepEqual(
    listed.data.map((i) => (i.type === 'message' ? lastText([i]) : i.type)),
    ['A asks'],
  );
});

test('a Responses route that repeats ids is sent its own id, while each conversation keeps the gateway’s', async () => {
  const x1 = await client().responses.create({ model: 'gpt-up', input: 'X one' });
  const y1 = await client().responses.stream({ model: 'gpt-up', input: 'Y one' }).finalResponse();
  assert.notEqual(x1.id, y1.id);
  assert.ok(x1.id !== RESPONSE_ID && y1.id !== RESPONSE_ID, 'the gateway’s ids, not the upstream’s');

  const { response } = await client()
    .responses.create({ model: 'gpt-up', previous_response_id: x1.id, input: 'X two' })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-conversation'), 'continued');
  const sent = up.calls.at(-1)!.body;
  assert.equal(sent['previous_response_id'], RESPONSE_ID, 'the upstream continues its own response');
  assert.equal(sent['input'], 'X two');
  assert.equal((await client().responses.retrieve(x1.id)).output_text, 'answer to X one');
  assert.equal((await client().responses.retrieve(y1.id)).output_text, 'answer to Y one');

  // Streamed, every event names the response by the gateway's id.
  const stream = client().responses.stream({ model: 'gpt-up', previous_response_id: y1.id, input: 'Y two' });
  const ids = new Set<string>();
  stream.on('event', (e) => {
    if ('response' in e) ids.add(e.response.id);
  });
  const y2 = await stream.finalResponse();
  assert.deepEqual([...ids], [y2.id]);
  assert.equal(up.calls.at(-1)!.body['previous_response_id'], RESPONSE_ID);
});

type Event = Json & { type: string };

test('two conversations over one WebSocket through an upstream that repeats ids stay apart', async () => {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${h.key}` },
  });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const turn = async (create: Json): Promise<string> => {
    const from = events.length;
    ws.send(JSON.stringify({ type: 'response.create', model: 'main', ...create }));
    await until('the turn to end', () => events.slice(from).some((e) => e.type === 'response.completed'));
    const done = events.slice(from).find((e) => e.type === 'response.completed')!;
    return (done['response'] as { id: string }).id;
  };
  try {
    const x1 = await turn({ input: 'X one' });
    const y1 = await turn({ input: 'Y one' });
    assert.notEqual(x1, y1);
    await turn({ previous_response_id: x1, input: 'X two' });
    assert.deepEqual(lastSent(), [
      ['user', 'X one'],
      ['assistant', 'answer to X one'],
      ['user', 'X two'],
    ]);
    await turn({ previous_response_id: y1, input: 'Y two' });
    assert.deepEqual(lastSent(), [
      ['user', 'Y one'],
      ['assistant', 'answer to Y one'],
      ['user', 'Y two'],
    ]);
  } finally {
    ws.close();
  }
});
