// Compaction on the Responses API (POST /v1/responses/compact and the `compaction` items it answers), through the real
// gateway and simulator: the summary is asked of the `compression` task's chain and counted in the ledger as that
// task; the item it answers is sent to any route as the summary it holds; an item OpenAI encrypted is refused by name
// on a route that cannot read it, never left out; a conversation the gateway recorded is compacted by its
// previous_response_id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { until } from '../helpers/until.ts';
import OpenAI from 'openai';

const OA = 'sk-sim-compact-oa-0001';
const ANT = 'sk-ant-compact-an-0001';

let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { [OA]: {}, [ANT]: {} } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', OA), ant: simProvider(sim, 'anthropic', ANT) },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: { claude: { provider: 'ant', model: 'sim-small', fallback_to_main: false } },
      retry: FAST_RETRY,
      gateway: { aliases: { 'gpt-*': 'main' }, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
});
after(() => h.close());

type Obj = Record<string, unknown>;

async function post(path: string, body: Obj): Promise<{ status: number; body: Obj }> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const CONVERSATION: Obj[] = [
  { role: 'user', content: [{ type: 'input_text', text: 'list the files' }] },
  { type: 'function_call', call_id: 'call_1', name: 'ls', arguments: '{}' },
  { type: 'function_call_output', call_id: 'call_1', output: 'a.ts b.ts' },
  { role: 'assistant', content: [{ type: 'output_text', text: 'a.ts and b.ts' }] },
  { role: 'user', content: [{ type: 'input_text', text: 'now read a.ts' }] },
];

test('compact answers the user messages and one compaction item, asked of the compression task and in its ledger row', async () => {
  const res = await post('/v1/responses/compact', {
    model: 'gpt-6.1-sol',
    input: CONVERSATION,
    instructions: 'be brief',
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body['object'], 'response.compaction');
  const output = res.body['output'] as Obj[];
  assert.deepEqual(output.slice(0, -1), [CONVERSATION[0], CONVERSATION[4]]);
  const item = output.at(-1)!;
  assert.equal(item['type'], 'compaction');
  assert.match(String(item['encrypted_content']), /^switchyard-compaction-v1\./);
  assert.ok((res.body['usage'] as { input_tokens: number }).input_tokens > 0);
  // The model saw the whole conversation, then the request for a summary.
  const call = h.sim.log().at(-1)!;
  assert.deepEqual(call.roles, ['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'user']);
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  type Row = { task: string; model: string; status: string };
  const rows = async () =>
    ((await (await fetch(`${h.url}/admin/usage/requests?limit=20`, { headers: auth })).json()) as { requests: Row[] })
      .requests;
  await until('the compaction row', async () => (await rows()).some((r) => r.task === 'compression'));
  const row = (await rows()).find((r) => r.task === 'compression')!;
  assert.equal(row.model, 'gpt-6.1-sol');
  assert.equal(row.status, 'ok');
});

for (const [model, shape] of [
  ['gpt-6.1-sol', 'an OpenAI-compatible'],
  ['claude', 'an Anthropic'],
] as const) {
  test(`the gateway's compaction item goes to ${shape} route as the summary it holds`, async () => {
    const compacted = await post('/v1/responses/compact', { model, input: CONVERSATION });
    assert.equal(compacted.status, 200, JSON.stringify(compacted.body));
    const input = [...(compacted.body['output'] as Obj[]), { role: 'user', content: 'go on' }];
    const next = await post('/v1/responses', { model, input });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body['status'], 'completed');
    // The two user messages kept, the summary, the new one (an Anthropic route is sent them as one user turn).
    const roles = h.sim.log().at(-1)!.roles;
    assert.deepEqual(roles, model === 'claude' ? ['user'] : ['user', 'user', 'user', 'user']);
  });
}

test('a compaction item OpenAI encrypted is refused by name on a route that cannot read it', async () => {
  const res = await post('/v1/responses', {
    model: 'main',
    input: [
      { role: 'user', content: 'hi' },
      { type: 'compaction', id: 'cmp_1', encrypted_content: 'gAAAAABopaque' },
      { role: 'user', content: 'go on' },
    ],
  });
  assert.equal(res.status, 400);
  const error = res.body['error'] as { code: string; param: string; message: string };
  assert.equal(error.code, 'unsupported_compaction');
  assert.equal(error.param, 'input[1].encrypted_content');
  assert.match(error.message, /oa\/sim-large/);
});

test('context_management under its compact_threshold needs nothing on a translated route; over it, it is refused by name', async () => {
  const cm = (threshold: number) => [{ type: 'compaction', compact_threshold: threshold }];
  const under = await post('/v1/responses', { model: 'main', input: CONVERSATION, context_management: cm(100_000) });
  assert.equal(under.status, 200, JSON.stringify(under.body));
  const over = await post('/v1/responses', { model: 'main', input: CONVERSATION, context_management: cm(5) });
  assert.equal(over.status, 400);
  const error = over.body['error'] as { code: string; param: string; message: string };
  assert.equal(error.param, 'context_management[0].compact_threshold');
  assert.match(error.message, /over compact_threshold 5, and route oa\/sim-large \(main\) cannot compact it/);
  assert.match(error.message, /POST \/v1\/responses\/compact/);
  // The same body on /v1/chat/completions (Cursor sends Responses bodies there) is refused alike.
  const cursor = await post('/v1/chat/completions', { model: 'main', input: CONVERSATION, context_management: cm(5) });
  assert.equal(cursor.status, 400, JSON.stringify(cursor.body));
  assert.match((cursor.body['error'] as { message: string }).message, /over compact_threshold 5/);
});

test("a turn ending with compaction_trigger (Codex's remote compaction) is answered with exactly one compaction item", async () => {
  const res = await post('/v1/responses', { model: 'main', input: [...CONVERSATION, { type: 'compaction_trigger' }] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const output = res.body['output'] as Obj[];
  assert.deepEqual(
    output.map((i) => i['type']),
    ['compaction'],
  );
  assert.match(String(output[0]!['encrypted_content']), /^switchyard-compaction-v1\./);
  // The model was asked for the summary after the conversation, with no tools to call.
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['user', 'assistant', 'tool', 'assistant', 'user', 'user']);
  const misplaced = await post('/v1/responses', {
    model: 'main',
    input: [{ type: 'compaction_trigger' }, ...CONVERSATION],
  });
  assert.equal(misplaced.status, 400);
  assert.equal((misplaced.body['error'] as { param: string }).param, 'input[0]');
});

test('compact with previous_response_id compacts the conversation the gateway recorded, with the SDK', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const first = await client.responses.create({ model: 'gpt-6.1-sol', input: 'list the files' });
  const second = await client.responses.create({
    model: 'gpt-6.1-sol',
    previous_response_id: first.id,
    input: 'now read a.ts',
  });
  const compacted = await client.responses.compact({ model: 'gpt-6.1-sol', previous_response_id: second.id });
  assert.equal(compacted.object, 'response.compaction');
  const output = compacted.output as unknown as Obj[];
  assert.deepEqual(
    output.map((i) => i['type'] ?? 'message'),
    ['message', 'message', 'compaction'],
    'the conversation’s user messages, then the item',
  );
  assert.deepEqual(
    output.slice(0, 2).map((i) => i['content']),
    ['list the files', 'now read a.ts'],
  );
  // The model was asked for a summary of both turns, then the new input after them.
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['user', 'assistant', 'user', 'assistant', 'user']);
  const withNew = await client.responses.compact({
    model: 'gpt-6.1-sol',
    previous_response_id: second.id,
    input: 'and b.ts',
  });
  assert.equal((withNew.output as unknown as Obj[]).length, 4);
  // A compaction keeps no turn: its id continues nothing.
  await assert.rejects(
    client.responses.create({ model: 'gpt-6.1-sol', previous_response_id: compacted.id, input: 'x' }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && err.code === 'previous_response_not_found',
  );
});

test('compact with a previous_response_id the gateway has no record of is previous_response_not_found, saying why', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  await assert.rejects(
    client.responses.compact({ model: 'gpt-6.1-sol', previous_response_id: 'resp_never_recorded' }),
    (err: unknown) =>
      err instanceof OpenAI.BadRequestError &&
      err.code === 'previous_response_not_found' &&
      err.param === 'previous_response_id' &&
      /'resp_never_recorded' not found: .*gateway\.conversations\.keep/.test(err.message),
  );
});

test('a turn continuing a compaction_trigger turn is rebuilt from the compaction on: its summary stands for what came before', async () => {
  const compacted = await post('/v1/responses', {
    model: 'main',
    instructions: 'be brief',
    input: [...CONVERSATION, { type: 'compaction_trigger' }],
  });
  assert.equal(compacted.status, 200, JSON.stringify(compacted.body));
  const next = await post('/v1/responses', {
    model: 'main',
    instructions: 'be brief',
    previous_response_id: compacted.body['id'],
    input: 'go on',
  });
  assert.equal(next.status, 200, JSON.stringify(next.body));
  // The instructions, the summary as a user message, the new input: nothing the summary replaced.
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['system', 'user', 'user']);
});
