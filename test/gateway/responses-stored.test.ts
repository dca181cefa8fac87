// Stored responses read back from the gateway's conversation record (docs/responses.md#stored-responses), with the
// official `openai` SDK against a real gateway on the simulator: `responses.retrieve` gives the response as answered,
// `responses.inputItems.list` the items it was made from (paged, both orders), `responses.delete` forgets it; another
// client key, an unknown id or a deleted one is OpenAI's 404 saying why; two replicas sharing Redis read each other's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { redisReplica } from './redis-replica.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';

const SIM = 'sk-sim-stored-responses-01';
let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { [SIM]: {} } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', SIM) },
      main: { provider: 'oa', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

const client = (url = h.url, key = h.key): OpenAI => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });

/** The response's `store`, which the SDK's type leaves out. */
const storeOf = (response: object): unknown => (response as { store?: unknown }).store;

const notFound = (pattern: RegExp) => (err: unknown) =>
  err instanceof OpenAI.NotFoundError && err.type === 'invalid_request_error' && pattern.test(err.message);

test('a response is retrieved as it was answered, and its input items listed as OpenAI pages them', async () => {
  const first = await client().responses.create({ model: 'main', input: 'first question', instructions: 'be brief' });
  const second = await client().responses.create({
    model: 'main',
    previous_response_id: first.id,
    input: [{ role: 'user', content: 'second question' }],
  });

  const got = await client().responses.retrieve(second.id);
  assert.equal(got.id, second.id);
  assert.equal(got.object, 'response');
  assert.equal(got.status, 'completed');
  assert.equal(got.output_text, second.output_text, 'the SDK reads the output as it was answered');
  assert.deepEqual(got.output, second.output);
  assert.deepEqual(got.usage, second.usage);
  assert.equal((await client().responses.retrieve(first.id)).instructions, 'be brief');

  // Newest first, as OpenAI lists them: this turn's input, then the turn it continued.
  const page = await client().responses.inputItems.list(second.id);
  const texts = page.data.map((i) => (i.type === 'message' ? [i.role, textOf(i.content)] : [i.type]));
  assert.deepEqual(texts, [
    ['user', 'second question'],
    ['assistant', first.output_text],
    ['user', 'first question'],
  ]);
  assert.ok(page.data.every((i) => typeof i.id === 'string' && i.id !== ''));
  const again = await client().responses.inputItems.list(second.id);
  assert.deepEqual(
    again.data.map((i) => i.id),
    page.data.map((i) => i.id),
    'an item’s id is the same on every read',
  );

  const asc = await client().responses.inputItems.list(second.id, { order: 'asc', limit: 2 });
  assert.deepEqual(
    asc.data.map((i) => i.id),
    page.data
      .map((i) => i.id)
      .reverse()
      .slice(0, 2),
  );
  assert.equal(asc.has_more, true);
  const rest = await client().responses.inputItems.list(second.id, { order: 'asc', limit: 2, after: asc.data[1]!.id });
  assert.deepEqual(
    rest.data.map((i) => i.id),
    [page.data[0]!.id],
  );
  assert.equal(rest.has_more, false);
  // The SDK's own paging walks every page.
  const all: string[] = [];
  for await (const item of client().responses.inputItems.list(second.id, { order: 'asc', limit: 1 })) all.push(item.id);
  assert.deepEqual(all, page.data.map((i) => i.id).reverse());

  // Newest first, after the newest: the two before it; before the oldest: the two after it.
  const older = await client().responses.inputItems.list(second.id, { after: page.data[0]!.id });
  assert.deepEqual(
    older.data.map((i) => i.id),
    page.data.slice(1).map((i) => i.id),
  );
  // `before` (which the SDK no longer sends, as OpenAI's reference no longer lists it) pages the other way.
  const newer = await fetch(`${h.url}/v1/responses/${second.id}/input_items?before=${page.data[2]!.id}`, {
    headers: { authorization: `Bearer ${h.key}` },
  });
  assert.deepEqual(
    ((await newer.json()) as { data: { id: string }[] }).data.map((i) => i.id),
    page.data.slice(0, 2).map((i) => i.id),
  );

  await assert.rejects(
    client().responses.inputItems.list(second.id, { limit: 500 }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'limit',
  );
  await assert.rejects(
    client().responses.inputItems.list(second.id, { after: 'msg_not_here' }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'after',
  );
  await assert.rejects(
    client().responses.retrieve(second.id, { stream: true }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && err.param === 'stream',
  );
});

function textOf(content: readonly { type: string; text?: string }[]): string {
  return content.map((p) => p.text ?? '').join('');
}

test('another client key, an unknown id and a deleted response are OpenAI’s 404, saying why', async () => {
  const mine = await client().responses.create({ model: 'main', input: 'mine only' });
  const stranger = generateKey();
  h.store.addGatewayKey(newKeyRecord(stranger, 'stored-stranger'));
  await assert.rejects(
    client(h.url, stranger).responses.retrieve(mine.id),
    notFound(new RegExp(`Response with id '${mine.id}' not found: it was made with another client key`)),
  );
  await assert.rejects(client(h.url, stranger).responses.delete(mine.id), notFound(/another client key/));
  await assert.rejects(
    client().responses.retrieve('resp_never_made'),
    notFound(/^404 Response with id 'resp_never_made' not found: .*gateway\.conversations\.keep \(1h/),
  );
  const res = await fetch(`${h.url}/v1/responses/resp_never_made`, { headers: { authorization: `Bearer ${h.key}` } });
  const body = (await res.json()) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(body.error['type'], 'invalid_request_error');

  const next = await client().responses.create({ model: 'main', previous_response_id: mine.id, input: 'go on' });
  await client().responses.delete(mine.id);
  await assert.rejects(client().responses.retrieve(mine.id), notFound(/it was deleted/));
  await assert.rejects(client().responses.delete(mine.id), notFound(/it was deleted/));
  await assert.rejects(
    client().responses.create({ model: 'main', previous_response_id: mine.id, input: 'again' }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && /it was deleted/.test(err.message),
  );
  // The turn after it is still there, but its items cannot be listed without the deleted one.
  assert.equal((await client().responses.retrieve(next.id)).id, next.id);
  await assert.rejects(
    client().responses.inputItems.list(next.id),
    notFound(new RegExp(`its earlier turn '${mine.id}'.*it was deleted`)),
  );
});

test('a streamed turn is retrieved whole, and an HTTP turn with store: false is not kept', async () => {
  const stream = client().responses.stream({ model: 'main', input: 'streamed' });
  const done = await stream.finalResponse();
  const got = await client().responses.retrieve(done.id);
  assert.equal(got.output_text, done.output_text);
  const unstored = await client().responses.create({ model: 'main', input: 'not kept', store: false });
  await assert.rejects(client().responses.retrieve(unstored.id), notFound(/no record of it/));
});

test('the response says store: true when it can be read back, and store: false when asked not to keep it', async () => {
  const kept = await client().responses.create({ model: 'main', input: 'keep this' });
  assert.equal(storeOf(kept), true);
  assert.equal(storeOf(await client().responses.retrieve(kept.id)), true, 'read back as it was answered');
  const streamed = await client().responses.stream({ model: 'main', input: 'keep this too' }).finalResponse();
  assert.equal(storeOf(streamed), true);
  const created = await client().responses.stream({ model: 'main', input: 'and this' });
  let first: boolean | undefined;
  created.on('response.created', (e) => (first ??= storeOf(e.response) as boolean));
  await created.finalResponse();
  assert.equal(first, true, 'response.created says it too');

  const unkept = await client().responses.create({ model: 'main', input: 'do not keep', store: false });
  assert.equal(storeOf(unkept), false);
  const unkeptStream = await client()
    .responses.stream({ model: 'main', input: 'do not keep', store: false })
    .finalResponse();
  assert.equal(storeOf(unkeptStream), false);
  await assert.rejects(client().responses.retrieve(unkeptStream.id), notFound(/no record of it/));
});

test('with gateway.conversations.keep 0 nothing is kept, and the response says store: false', async (t) => {
  const none = await startHarness({
    scenario: { keys: { [SIM]: {} } },
    config: (sim) => ({
      providers: { oa: simProvider(sim, 'openai', SIM) },
      main: { provider: 'oa', model: 'sim-large' },
      gateway: { conversations: { keep: 0 } },
    }),
  });
  t.after(() => none.close());
  const made = await client(none.url, none.key).responses.create({ model: 'main', input: 'not kept anywhere' });
  assert.equal(storeOf(made), false);
  await assert.rejects(client(none.url, none.key).responses.retrieve(made.id), notFound(/keep is 0/));
});

test(
  'two gateway processes sharing Redis: a response made on one is retrieved, listed and deleted on the other',
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
    const made = await client(one, 'none').responses.create({ model: 'main', input: 'asked of replica one' });
    const got = await client(two, 'none').responses.retrieve(made.id);
    assert.equal(got.output_text, made.output_text);
    const items = await client(two, 'none').responses.inputItems.list(made.id);
    assert.equal(items.data.length, 1);
    await client(two, 'none').responses.delete(made.id);
    await assert.rejects(client(one, 'none').responses.retrieve(made.id), notFound(/it was deleted/));
  },
);
