// The gateway's record of Responses conversations (docs/responses.md#a-conversations-state-across-a-fallback), with the
// official `openai` SDK and the `ws` client against real gateways: a turn continuing a response (by the gateway's own
// id) goes to the route and key holding it as the upstream's own previous_response_id; when that upstream fails, the
// fallback gets the conversation rebuilt, items it cannot read left out and said; what cannot be rebuilt is
// previous_response_not_found naming why; a new WebSocket connection and another replica (sharing a private Redis)
// continue a conversation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { startHarness, simProvider, type Harness } from './harness.ts';
import { startCannedUpstream, type CannedReply, type CannedUpstream } from '../helpers/canned-upstream.ts';
import { until } from '../helpers/until.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { redisReplica } from './redis-replica.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';

const KEY = 'sk-canned-conversation-01';
/** Another account's key, on another Responses provider: neither reads the other's encrypted reasoning. */
const KEY2 = 'sk-canned-conversation-02';
const SIM = 'sk-sim-conversation-0001';
let up: CannedUpstream;
let h: Harness;

/** The Responses upstream: it keeps what it answered (unless `store: false`), as OpenAI does, and can be failed. */
const upstream = {
  failing: false,
  /** Only this model's calls fail. */
  failingModel: undefined as string | undefined,
  compacts: false,
  served: 0,
  known: new Set<string>(),
};

function responsesAnswer(body: Record<string, unknown>): CannedReply {
  if (upstream.failing || body['model'] === upstream.failingModel)
    return { status: 500, body: { error: { message: 'upstream down', type: 'server_error' } } };
  const previous = body['previous_response_id'];
  if (typeof previous === 'string' && !upstream.known.has(previous))
    return {
      status: 400,
      body: {
        error: { message: `Previous response with id '${previous}' not found.`, code: 'previous_response_not_found' },
      },
    };
  const n = ++upstream.served;
  const id = `resp_up_${n}`;
  if (body['store'] !== false) upstream.known.add(id);
  const output: unknown[] = [
    { type: 'reasoning', id: `rs_${n}`, summary: [], encrypted_content: `gAAAA-only-this-account-${n}` },
    {
      type: 'message',
      id: `msg_${n}`,
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: `upstream answer ${n}`, annotations: [], logprobs: [] }],
    },
  ];
  if (upstream.compacts) output.unshift({ type: 'compaction', id: `cmp_${n}`, encrypted_content: 'gAAAA-compacted' });
  const response = {
    id,
    object: 'response',
    created_at: 1,
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: body['model'],
    output,
    usage: { input_tokens: 10, output_tokens: 4, total_tokens: 14 },
    store: body['store'] !== false,
    tools: [],
    tool_choice: 'auto',
    parallel_tool_calls: true,
  };
  return body['stream'] === true
    ? { status: 200, body: responsesStream(response, output), headers: { 'content-type': 'text/event-stream' } }
    : { status: 200, body: response };
}

/** The response as OpenAI streams it: created, each item added and done, completed. */
function responsesStream(response: Record<string, unknown>, output: unknown[]): string {
  const events: [string, Record<string, unknown>][] = [
    ['response.created', { response: { ...response, status: 'in_progress', output: [] } }],
    ...output.flatMap((item, i): [string, Record<string, unknown>][] => [
      ['response.output_item.added', { output_index: i, item }],
      ['response.output_item.done', { output_index: i, item }],
    ]),
    ['response.completed', { response }],
  ];
  return events
    .map(([type, data], i) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: i, ...data })}\n\n`)
    .join('');
}

before(async () => {
  up = await startCannedUpstream([], (request, { url }) => {
    const body = request as unknown as Record<string, unknown>;
    if (url.endsWith('/responses')) return responsesAnswer(body);
    return {
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'fallback answer' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
    };
  });
  h = await startHarness({
    scenario: { keys: { [SIM]: {} } },
    config: (sim) => ({
      providers: {
        resp: simProvider(up.origin, 'openai', KEY, { responses_api: true }),
        resp2: simProvider(up.origin, 'openai', KEY2, { responses_api: true }),
        plain: simProvider(up.origin, 'openai', KEY),
        oa: simProvider(sim, 'openai', SIM),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        stateful: {
          provider: 'resp',
          model: 'gpt-up',
          fallback_chain: [{ provider: 'plain', model: 'chat-up' }],
          fallback_to_main: false,
        },
        switching: {
          provider: 'resp',
          model: 'gpt-up',
          fallback_chain: [{ provider: 'resp2', model: 'gpt-other' }],
          fallback_to_main: false,
        },
      },
      gateway: { aliases: { 'gpt-up': 'stateful', 'gpt-switch': 'switching' } },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  });
});
after(async () => {
  await h.close();
  await up.close();
});

const client = (url = h.url, key = h.key): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });

test('a turn goes to the upstream holding the response as its previous_response_id; after it fails, the fallback gets the conversation rebuilt', async () => {
  Object.assign(upstream, { failing: false, compacts: false });
  const first = await client().responses.create({ model: 'gpt-up', input: 'first question' });
  const upstreamId = `resp_up_${upstream.served}`;
  assert.notEqual(first.id, upstreamId, "the caller is given the gateway's own id");

  const { data: second, response: res2 } = await client()
    .responses.create({ model: 'gpt-up', previous_response_id: first.id, input: 'second question' })
    .withResponse();
  const sent = up.calls.at(-1)!;
  assert.equal(sent.path, '/v1/responses');
  assert.equal(sent.body['previous_response_id'], upstreamId, 'the upstream continues its own response');
  assert.equal(sent.body['input'], 'second question', 'with only the new input');
  assert.equal(res2.headers.get('x-switchyard-conversation'), 'continued');

  upstream.failing = true;
  const { data: third, response: res3 } = await client()
    .responses.create({ model: 'gpt-up', previous_response_id: second.id, input: 'third question' })
    .withResponse();
  assert.equal(third.output_text, 'fallback answer');
  assert.equal(res3.headers.get('x-switchyard-route'), 'plain/chat-up');
  assert.equal(res3.headers.get('x-switchyard-conversation'), 'rebuilt; turns=2; dropped=reasoning:2');
  const rebuilt = up.calls.at(-1)!.body['messages'] as { role: string; content: string }[];
  assert.deepEqual(
    rebuilt.map((m) => [m.role, m.content]),
    [
      ['user', 'first question'],
      ['assistant', 'upstream answer 1'],
      ['user', 'second question'],
      ['assistant', 'upstream answer 2'],
      ['user', 'third question'],
    ],
  );

  // The fallback's answer continues too: the conversation now lives with it, and is sent whole — to the first route,
  // back again, with its own encrypted reasoning, which only it reads and which it made.
  upstream.failing = false;
  const { response: res4 } = await client()
    .responses.create({ model: 'gpt-up', previous_response_id: third.id, input: 'fourth' })
    .withResponse();
  const fourth = up.calls.at(-1)!;
  assert.equal(fourth.path, '/v1/responses', 'the chain keeps its order: its first route answers again');
  assert.equal(fourth.body['previous_response_id'], undefined, 'which does not know the fallback’s response');
  const input = fourth.body['input'] as { type?: string; id?: string; role?: string }[];
  assert.deepEqual(
    input.map((i) => i.type ?? i.role),
    ['message', 'reasoning', 'message', 'message', 'reasoning', 'message', 'message', 'message', 'message'],
    'three turns, each of the first route’s with its reasoning where it answered, and the new one',
  );
  assert.deepEqual(
    input.filter((i) => i.type === 'reasoning').map((i) => i.id),
    ['rs_1', 'rs_2'],
  );
  assert.equal(res4.headers.get('x-switchyard-conversation'), 'rebuilt; turns=3; kept=reasoning:2');
});

test('back on the first route after a fallback between two Responses accounts, each is sent only its own reasoning', async () => {
  Object.assign(upstream, { failing: false, compacts: false, failingModel: undefined });
  const first = await client().responses.create({ model: 'gpt-switch', input: 'one' });
  const mine = (first.output[0] as { id: string }).id;
  upstream.failingModel = 'gpt-up';
  const { data: second, response: res2 } = await client()
    .responses.create({ model: 'gpt-switch', previous_response_id: first.id, input: 'two' })
    .withResponse();
  assert.equal(res2.headers.get('x-switchyard-route'), 'resp2/gpt-other');
  assert.equal(res2.headers.get('x-switchyard-conversation'), 'rebuilt; turns=1; dropped=reasoning:1');
  const theirs = (second.output[0] as { id: string }).id;

  upstream.failingModel = undefined;
  const { response: res3 } = await client()
    .responses.create({ model: 'gpt-switch', previous_response_id: second.id, input: 'three' })
    .withResponse();
  assert.equal(res3.headers.get('x-switchyard-route'), 'resp/gpt-up');
  const sent = up.calls.at(-1)!;
  assert.equal(sent.model, 'gpt-up');
  const reasoning = (sent.body['input'] as { type?: string; id?: string }[]).filter((i) => i.type === 'reasoning');
  assert.deepEqual(
    reasoning.map((i) => i.id),
    [mine],
    `its own reasoning back, never the other account's ${theirs}`,
  );
  assert.equal(
    res3.headers.get('x-switchyard-conversation'),
    'rebuilt; turns=2; kept=reasoning:1; dropped=reasoning:1',
  );
});

test('a conversation compacted by the upstream that then fails is previous_response_not_found, saying why', async () => {
  Object.assign(upstream, { failing: false, compacts: true });
  const first = await client().responses.create({ model: 'gpt-up', input: 'long conversation' });
  upstream.failing = true;
  const before = up.calls.length;
  await assert.rejects(
    client().responses.create({ model: 'gpt-up', previous_response_id: first.id, input: 'go on' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      /resp\/gpt-up, which holds this conversation, failed \(server\).*compacted by resp\/gpt-up/.test(err.message),
  );
  assert.equal(up.calls.length, before + 1, 'the fallback was never sent a conversation it cannot read');
  Object.assign(upstream, { failing: false, compacts: false });
});

test('a conversation compacted by a Responses upstream cannot be compacted again by the gateway: refused naming it', async () => {
  Object.assign(upstream, { failing: false, compacts: true });
  const first = await client().responses.create({ model: 'gpt-up', input: 'long conversation' });
  Object.assign(upstream, { compacts: false });
  await assert.rejects(
    client().responses.compact({ model: 'main', previous_response_id: first.id }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'unsupported_compaction' &&
      err.param === 'previous_response_id' &&
      /compacted by resp\/gpt-up/.test(err.message),
  );
});

test('an id the gateway has no record of, or one of another client key, is previous_response_not_found naming the setting', async () => {
  await assert.rejects(
    client().responses.create({ model: 'gpt-up', previous_response_id: 'resp_never_seen', input: 'x' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      /'resp_never_seen' not found: .*gateway\.conversations\.keep \(1h/.test(err.message),
  );
  const first = await client().responses.create({ model: 'main', input: 'mine' });
  const stranger = generateKey();
  h.store.addGatewayKey(newKeyRecord(stranger, 'stranger'));
  await assert.rejects(
    client(h.url, stranger).responses.create({ model: 'main', previous_response_id: first.id, input: 'x' }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && /made with another client key/.test(err.message),
  );
});

test('a streamed turn of a Responses route over the WebSocket is continued there over HTTP, as its own id', async () => {
  Object.assign(upstream, { failing: false, compacts: false });
  const first = await socketTurn(h.url, h.key, { model: 'gpt-up', input: 'streamed first' });
  assert.equal(first.type, 'response.completed');
  const id = (first['response'] as { id: string }).id;
  const upstreamId = `resp_up_${upstream.served}`;
  assert.notEqual(id, upstreamId, "the caller is given the gateway's own id");
  const { response } = await client()
    .responses.create({ model: 'gpt-up', previous_response_id: id, input: 'then over HTTP' })
    .withResponse();
  assert.equal(response.headers.get('x-switchyard-conversation'), 'continued');
  assert.equal(up.calls.at(-1)!.body['previous_response_id'], upstreamId);
});

test('an HTTP turn sent with store: false is not kept, as OpenAI keeps none', async () => {
  const unstored = await client().responses.create({ model: 'main', input: 'not kept', store: false });
  await assert.rejects(
    client().responses.create({ model: 'main', previous_response_id: unstored.id, input: 'x' }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === 'previous_response_not_found',
  );
});

type Event = Record<string, unknown> & { type: string };

async function socketTurn(url: string, key: string, create: Record<string, unknown>): Promise<Event> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const events: Event[] = [];
  ws.on('message', (data) => events.push(JSON.parse(String(data)) as Event));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'response.create', ...create }));
  const ended = (e: Event) => ['response.completed', 'response.failed', 'error'].includes(e.type);
  await until('the turn to end', () => events.some(ended));
  ws.close();
  return events.find(ended)!;
}

test('a new WebSocket connection continues a response of an earlier one, and HTTP continues it too', async () => {
  const first = await socketTurn(h.url, h.key, { model: 'main', input: 'over the socket', store: false });
  assert.equal(first.type, 'response.completed');
  const id = (first['response'] as { id: string }).id;
  const second = await socketTurn(h.url, h.key, {
    model: 'main',
    previous_response_id: id,
    input: 'after reconnecting',
  });
  assert.equal(second.type, 'response.completed');
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['user', 'assistant', 'user']);
  // No headers over the socket: the turn's log line says how it was sent.
  await until('the turn line', () => h.logs.some((l) => l.includes('"conversation":"rebuilt; turns=1"')));
  const third = await client().responses.create({
    model: 'main',
    previous_response_id: (second['response'] as { id: string }).id,
    input: 'and over HTTP',
  });
  assert.equal(third.status, 'completed');
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['user', 'assistant', 'user', 'assistant', 'user']);
});

test(
  'two gateway processes sharing Redis: a conversation answered by one is continued on the other',
  { skip: REDIS_MISSING },
  async (t) => {
    const redis = await startTestRedis();
    t.after(() => redis.stop());
    const sim = await startSimulator({ scenario: { keys: { [SIM]: {} } } });
    t.after(() => sim.close());
    const [one, two] = await Promise.all([
      redisReplica(t, redis.url, sim.url, SIM),
      redisReplica(t, redis.url, sim.url, SIM),
    ]);
    const first = await client(one, 'none').responses.create({ model: 'main', input: 'asked of replica one' });
    const second = await client(two, 'none').responses.create({
      model: 'main',
      previous_response_id: first.id,
      input: 'continued on replica two',
    });
    assert.equal(second.status, 'completed');
    assert.deepEqual(sim.log().at(-1)!.roles, ['user', 'assistant', 'user']);
    // Over the socket too, and back to the first replica.
    const third = await socketTurn(two, 'none', {
      model: 'main',
      previous_response_id: second.id,
      input: 'by socket',
    });
    const fourth = await client(one, 'none').responses.create({
      model: 'main',
      previous_response_id: (third['response'] as { id: string }).id,
      input: 'back on one',
    });
    assert.equal(fourth.status, 'completed');
    assert.equal(sim.log().at(-1)!.roles.length, 7);
  },
);
