// End users behind one shared client key, end to end: the official OpenAI and Anthropic SDKs and the MCP SDK against
// a real gateway in front of the simulator. Each shape carries its user (OpenAI `user`/`safety_identifier`, Anthropic
// `metadata.user_id`, Responses `user`/`safety_identifier` over HTTP and each WebSocket turn, the `x-switchyard-user`
// header of a trusted proxy and of an MCP client); a `per_user` USD budget stops the user who crossed it and serves the
// others; the ledger, `usage --by user` and the dashboard agree per user; a header on a key that does not take it is
// refused in the caller's shape (on /mcp too), and a key that takes the header ignores the body's user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { startMcpSim, type McpSim } from '../../src/sim/fronts/mcp/http.ts';
import { hashUser } from '../../src/calls/end-user.ts';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from './harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { installOtel, type TestOtel } from '../telemetry/otel.ts';
import { until } from '../helpers/until.ts';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';

const UPSTREAM = 'sk-sim-endusers-good-01';

let h: Harness;
let files: McpSim;
let otel: TestOtel;
/** The team's shared key: users from a trusted proxy's header, else the body. */
const team = generateKey();
/** A key whose users come from the body only: a header naming one is refused. */
const bodyOnly = generateKey();
/** A key that reads no users at all. */
const plain = generateKey();
/** A key that keeps its users hashed. */
const hashed = generateKey();
/** A key behind a trusted proxy: its users come from the header only, whatever the body says. */
const proxied = generateKey();

before(async () => {
  otel = installOtel();
  files = await startMcpSim({ tokens: ['files-token-0001'] });
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [UPSTREAM]: {} } },
    config: (sim) => ({
      providers: {
        simoa: simProvider(sim, 'openai', UPSTREAM, { models: { 'sim-large': { price: { input: 1, output: 1 } } } }),
      },
      main: { provider: 'simoa', model: 'sim-large' },
      auxiliary: { compression: { provider: 'none' } },
      retry: FAST_RETRY,
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}', otel_end_user: true },
      mcp: { servers: { files: { url: files.url, api_key: 'files-token-0001' } } },
      // Any spend crosses it: a user's first request is admitted (a counter below its limit admits one more hold),
      // and the next is refused.
      budgets: {
        each_dev: { client_key: 'team', per_user: true, usd: { day: 0.000001 } },
        tools_each: { client_key: 'team', per_user: true, calls: { hour: 1 } },
      },
    }),
  });
  h.store.addGatewayKey({ ...newKeyRecord(team, 'team'), user_from: 'both' });
  h.store.addGatewayKey({ ...newKeyRecord(bodyOnly, 'bodyonly'), user_from: 'body' });
  h.store.addGatewayKey(newKeyRecord(plain, 'plain'));
  h.store.addGatewayKey({ ...newKeyRecord(hashed, 'hashed'), user_from: 'body', user_hash: true });
  h.store.addGatewayKey({ ...newKeyRecord(proxied, 'proxied'), user_from: 'header' });
});
after(async () => {
  await h.close();
  await files.close();
  await otel[Symbol.asyncDispose]();
});

const openai = (key: string, headers: Record<string, string> = {}): OpenAI =>
  new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: headers });
const anthropic = (key: string, headers: Record<string, string> = {}): Anthropic =>
  new Anthropic({ baseURL: h.url, apiKey: key, maxRetries: 0, defaultHeaders: headers });
const hello = [{ role: 'user' as const, content: 'hello' }];
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

async function budgetRefusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenAI.RateLimitError || err instanceof Anthropic.RateLimitError, String(err));
    return err.message;
  }
  throw new Error('not refused');
}

test('two users behind one key: a per_user budget stops the one who crossed it and serves the other, in every shape', async () => {
  // alice through the OpenAI shape's `user`, then its `safety_identifier`: the same user, refused.
  await openai(team).chat.completions.create({ model: 'main', messages: hello, max_tokens: 5, user: 'alice' });
  const refused = await budgetRefusal(
    openai(team).chat.completions.create({
      model: 'main',
      messages: hello,
      max_tokens: 5,
      safety_identifier: 'alice',
    } as OpenAI.ChatCompletionCreateParamsNonStreaming),
  );
  assert.match(refused, /budget each_dev \(client key team per user\) is spent/);
  // bob through Anthropic's metadata.user_id: served, then refused himself.
  const bob = await anthropic(team).messages.create({
    model: 'main',
    max_tokens: 5,
    messages: hello,
    metadata: { user_id: 'bob' },
  });
  assert.equal(bob.type, 'message');
  const bobAgain = await budgetRefusal(
    anthropic(team).messages.create({ model: 'main', max_tokens: 5, messages: hello, metadata: { user_id: 'bob' } }),
  );
  assert.match(bobAgain, /each_dev/);
  // carol through the Responses API's `user`, streamed.
  const stream = await openai(team).responses.create({
    model: 'main',
    input: 'hello',
    max_output_tokens: 16,
    user: 'carol',
    stream: true,
  });
  let completed = false;
  for await (const ev of stream) if (ev.type === 'response.completed') completed = true;
  assert.ok(completed);
  // dave named by the trusted proxy's header, which wins over the body's `user`.
  const dave = await openai(team, { 'x-switchyard-user': 'dave' }).chat.completions.create({
    model: 'main',
    messages: hello,
    max_tokens: 5,
    user: 'alice',
  });
  assert.equal(dave.object, 'chat.completion');
});

test('a user named by a header on a key that does not take headers is refused, in the caller’s shape', async () => {
  const sent = h.sim.calls(UPSTREAM);
  for (const key of [bodyOnly, plain]) {
    await assert.rejects(
      openai(key, { 'x-switchyard-user': 'alice' }).chat.completions.create({ model: 'main', messages: hello }),
      (err: unknown) => {
        assert.ok(err instanceof OpenAI.BadRequestError, String(err));
        assert.equal(err.code, 'user_header_not_allowed');
        assert.match(err.message, /the x-switchyard-user header names an end user, and client key "(bodyonly|plain)"/);
        return true;
      },
    );
    await assert.rejects(
      anthropic(key, { 'x-switchyard-user': 'alice' }).messages.create({
        model: 'main',
        max_tokens: 5,
        messages: hello,
      }),
      (err: unknown) => {
        assert.ok(err instanceof Anthropic.BadRequestError, String(err));
        assert.match(err.message, /invalid_request_error/);
        assert.match(err.message, /does not take the user from a header/);
        return true;
      },
    );
  }
  // The Responses API's WebSocket mode is refused at its upgrade, as its turns would be.
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${bodyOnly}`, 'x-switchyard-user': 'alice' },
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    ws.once('unexpected-response', (_req, r) => resolve(r));
    ws.once('open', () => reject(new Error('upgraded with a header its key does not take')));
  });
  let body = '';
  for await (const chunk of res) body += String(chunk);
  assert.equal(res.statusCode, 400);
  assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'user_header_not_allowed');
  // A user that is no user (too long, unprintable) is said with where it was.
  await assert.rejects(
    openai(bodyOnly).chat.completions.create({ model: 'main', messages: hello, user: 'x'.repeat(300) }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.param, 'user');
      assert.match(err.message, /the end user in user is 300 characters long, more than 256/);
      return true;
    },
  );
  assert.equal(h.sim.calls(UPSTREAM), sent, 'nothing sent upstream');
});

/** The end users of a key's model requests, newest first, once `count` of them are rows. */
async function usersOf(key: string, count: number): Promise<(string | undefined)[]> {
  const usage = h.gw.app.gateway.usage!;
  const rows = async () => (await usage.requests({ limit: 50, client_key: key, kind: 'model' })).rows;
  // A request's row is queued when its answer is over: waited for, not assumed.
  await until(`${count} rows of ${key}`, async () => (await rows()).length >= count);
  return (await rows()).map((r) => r.user);
}

test('a key that takes the user from a trusted proxy’s header ignores what the body says, in every shape', async () => {
  // A caller behind the proxy names someone else in the body: no user is read from it.
  await openai(proxied).chat.completions.create({ model: 'main', messages: hello, max_tokens: 5, user: 'mallory' });
  await anthropic(proxied).messages.create({
    model: 'main',
    max_tokens: 5,
    messages: hello,
    metadata: { user_id: 'mallory' },
  });
  // The header the proxy set is the user, whatever the body says.
  await openai(proxied, { 'x-switchyard-user': 'hank' }).responses.create({
    model: 'main',
    input: 'hello',
    max_output_tokens: 16,
    user: 'mallory',
    safety_identifier: 'mallory',
  });
  assert.deepEqual(await usersOf('proxied', 3), ['hank', undefined, undefined]);
  assert.equal((await h.gw.app.gateway.usage!.requests({ limit: 5, user: 'mallory' })).rows.length, 0);
});

/** A Responses WebSocket connection with `key` and `headers`, and one turn on it; resolves when the turn completes. */
async function socketTurn(key: string, headers: Record<string, string>, create: Record<string, unknown>) {
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/responses`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const done = new Promise<string>((resolve) =>
    ws.on('message', (data) => {
      const type = (JSON.parse(String(data)) as { type: string }).type;
      if (['response.completed', 'response.failed', 'error'].includes(type)) resolve(type);
    }),
  );
  ws.send(JSON.stringify({ type: 'response.create', model: 'main', input: 'hello', ...create }));
  assert.equal(await done, 'response.completed');
  ws.close();
}

test('the Responses API carries its user: safety_identifier over HTTP, and each WebSocket turn its header’s or body’s', async () => {
  // `safety_identifier` replaces `user`, as in the chat shape.
  await openai(bodyOnly).responses.create({
    model: 'main',
    input: 'hello',
    max_output_tokens: 16,
    user: 'someone-else',
    safety_identifier: 'ivy',
  });
  assert.deepEqual(await usersOf('bodyonly', 1), ['ivy']);
  // A turn over the WebSocket is the upgrade's caller: the header set at the upgrade names its user…
  await socketTurn(proxied, { 'x-switchyard-user': 'jill' }, { user: 'mallory' });
  assert.equal((await usersOf('proxied', 4))[0], 'jill');
  // …and on a key that reads the body, the turn's own `user`.
  await socketTurn(bodyOnly, {}, { user: 'kim' });
  assert.deepEqual(await usersOf('bodyonly', 2), ['kim', 'ivy']);
});

async function mcpAs(user: string): Promise<Client & AsyncDisposable> {
  const c = new Client({ name: 'end-users-test', version: '1' });
  await c.connect(
    new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${team}`, 'x-switchyard-user': user } },
    }),
  );
  return Object.assign(c, { [Symbol.asyncDispose]: () => c.close() });
}

test('an MCP call carries the user its header names, and a per_user calls budget is that user’s', async () => {
  await using erin = await mcpAs('erin');
  await erin.callTool({ name: 'files__echo', arguments: { text: 'hi' } });
  await assert.rejects(erin.callTool({ name: 'files__echo', arguments: { text: 'again' } }), /tools_each/);
  await using gina = await mcpAs('gina');
  await gina.callTool({ name: 'files__echo', arguments: { text: 'hi' } });
  // On a key that does not take the header, /mcp refuses it as the model shapes do: no one poses as erin there.
  const posed = await fetch(`${h.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bodyOnly}`,
      'x-switchyard-user': 'erin',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'files__echo', arguments: {} },
    }),
  });
  assert.equal(posed.status, 400);
  assert.match(await posed.text(), /user_header_not_allowed/);
  const span = (await otel.spans()).find((s) => s.attributes['gen_ai.tool.name'] === 'files__echo');
  assert.equal(span?.attributes['enduser.id'], 'erin', 'the execute_tool span names the user too');
  const usage = h.gw.app.gateway.usage!;
  // A request's row is queued when its answer is over, on the gateway's next turn: waited for, not assumed.
  await until(
    'erin’s calls are rows',
    async () => (await usage.requests({ limit: 50, user: 'erin' })).rows.length === 2,
  );
  const rows = (await usage.requests({ limit: 50, user: 'erin' })).rows;
  assert.deepEqual(
    rows.map((r) => [r.client_key, r.user, r.mcp_server, r.tool, r.status]),
    [
      ['team', 'erin', 'files', 'echo', 'budget'],
      ['team', 'erin', 'files', 'echo', 'ok'],
    ],
  );
});

test('a key that hashes its users keeps no user as sent, and is found by the name all the same', async () => {
  await openai(hashed).chat.completions.create({ model: 'main', messages: hello, user: 'frank@example.com' });
  const usage = h.gw.app.gateway.usage!;
  await until('the row', async () => (await usage.requests({ limit: 5, client_key: 'hashed' })).rows.length === 1);
  const rows = (await usage.requests({ limit: 5, client_key: 'hashed' })).rows;
  assert.deepEqual(
    rows.map((r) => r.user),
    [hashUser('frank@example.com')],
  );
  assert.equal((await usage.requests({ limit: 5, user: 'frank@example.com' })).rows.length, 1);
  assert.ok(!h.logs.join('\n').includes('frank@example.com'), 'the log keeps it hashed too');
});

test('a user shaped like an API key is kept hashed on a key that keeps users as sent: ledger, log and spans', async () => {
  const secret = 'sk-proj-enduserlooksLikeAKey0123456789';
  await openai(bodyOnly).chat.completions.create({ model: 'main', messages: hello, user: secret });
  const usage = h.gw.app.gateway.usage!;
  await until('its row', async () => (await usage.requests({ limit: 5, user: secret })).rows.length === 1);
  assert.deepEqual(
    (await usage.requests({ limit: 5, user: secret })).rows.map((r) => r.user),
    [hashUser(secret)],
  );
  const spans = JSON.stringify((await otel.spans()).map((s) => s.attributes));
  assert.ok(spans.includes(hashUser(secret)), 'the span names the user hashed');
  for (const [where, text] of [
    ['log', h.logs.join('\n')],
    ['spans', spans],
  ] as const)
    assert.ok(!text.includes(secret.slice(8)), `not in the ${where}`);
});

test('the ledger, usage --by user and the dashboard agree per user; spans name the user; metrics do not', async () => {
  const usage = h.gw.app.gateway.usage!;
  await usage.flush();
  const rows = (await usage.requests({ limit: 100, client_key: 'team', kind: 'model' })).rows;
  const perUser = new Map<string, number>();
  for (const r of rows) perUser.set(r.user ?? '', (perUser.get(r.user ?? '') ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perUser), { alice: 2, bob: 2, carol: 1, dave: 1 });
  assert.deepEqual(
    rows.filter((r) => r.status !== 'ok').map((r) => r.user),
    ['bob', 'alice'],
  );

  const cli = await runCliInProcess(
    ['usage', '--by', 'user', '--client-key', 'team', '--since', '1d', '--json', '--config', h.configPath],
    { env: { SWITCHYARD_HOME: h.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY } },
  );
  assert.equal(cli.code, 0, cli.stderr);
  const groups = (JSON.parse(cli.stdout) as { groups: { group: string; requests: number; cost_usd: number }[] }).groups;
  assert.deepEqual(Object.fromEntries(groups.map((g) => [g.group, g.requests])), Object.fromEntries(perUser));
  const costOf = (user: string) => rows.filter((r) => r.user === user).reduce((n, r) => n + (r.cost_usd ?? 0), 0);
  for (const g of groups) assert.ok(Math.abs(g.cost_usd - costOf(g.group)) < 1e-12, g.group);

  // `--user` narrows any grouping to one user, found by the name on a key that hashes it too.
  for (const [user, key, requests] of [
    ['alice', 'team', 2],
    ['frank@example.com', 'hashed', 1],
  ] as const) {
    const one = await runCliInProcess(
      ['usage', '--by', 'client_key', '--user', user, '--since', '1d', '--json', '--config', h.configPath],
      { env: { SWITCHYARD_HOME: h.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY } },
    );
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      (JSON.parse(one.stdout) as { groups: { group: string; requests: number }[] }).groups.map((g) => [
        g.group,
        g.requests,
      ]),
      [[key, requests]],
      user,
    );
  }

  // `usage budgets` has no row for a per_user budget's many counters: it says so, and where each user stands.
  const budgets = await runCliInProcess(['usage', 'budgets', '--config', h.configPath], {
    env: { SWITCHYARD_HOME: h.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
  });
  assert.equal(budgets.code, 0, budgets.stderr);
  assert.match(
    budgets.stdout,
    /^each_dev \(client key team per user\): \$0\.000001 per day for each user, counted apart; where each stands: switchyard usage --by user --client-key team --since \d{4}-\d\d-\d\dT00:00:00Z$/m,
  );
  assert.match(
    budgets.stdout,
    /^tools_each \(client key team per user\): 1 calls per hour for each user.* --by tool --user U --client-key team /m,
  );
  assert.doesNotMatch(budgets.stdout, /BUDGET\s+SCOPE/, 'no empty table');

  for (const user of perUser.keys()) {
    const page = (await (
      await fetch(`${h.url}/ui/api/requests?kind=model&client_key=team&user=${user}`, { headers: admin })
    ).json()) as { rows: { user?: string }[] };
    assert.equal(page.rows.length, perUser.get(user), user);
    assert.ok(page.rows.every((r) => r.user === user));
  }
  const daily = (await (await fetch(`${h.url}/ui/api/usage?days=1&user=alice`, { headers: admin })).json()) as {
    daily: { by: string; series: { name: string }[] }[];
  };
  const byUser = daily.daily.find((d) => d.by === 'user');
  assert.deepEqual(
    byUser?.series.map((s) => s.name),
    ['alice'],
  );

  const users = (await otel.spans())
    .map((s) => s.attributes['enduser.id'])
    .filter((u) => u !== undefined)
    .sort();
  assert.ok(
    ['alice', 'bob', 'carol', 'dave'].every((u) => users.includes(u)),
    users.join(),
  );
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: admin })).text();
  for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) assert.ok(!metrics.includes(`"${u}"`), u);
});
