// The secrets guard in a real gateway before the simulator, with the official SDKs as callers: credentials planted
// in user text, tool results and tool-call arguments, in the OpenAI, Anthropic and Responses shapes, streamed and
// not. A recording proxy between the gateway and the simulator holds what the upstream received.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, simProvider, FAST_RETRY, ADMIN_KEY, type Harness } from '../gateway/harness.ts';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.ts';
import { until } from '../helpers/until.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import type { GuardMode } from '../../src/config/guard.ts';
import { decoys, plantedSecrets, type Planted } from './corpus.ts';

let h: Harness;
let proxy: RecordingProxy;
const planted: Planted[] = plantedSecrets();
const secrets = planted.flatMap((p) => p.secrets);
const keys: Partial<Record<GuardMode, string>> = {};
const env = planted.map((p) => p.text).join('\n');

before(async () => {
  proxy = await startRecordingProxy();
  h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { 'sk-sim-guard-openai-0001': {} } },
    config: (sim) => {
      proxy.target(sim);
      return {
        providers: { sim: simProvider(proxy.url, 'openai', 'sk-sim-guard-openai-0001') },
        main: { provider: 'sim', model: 'sim-large' },
        auxiliary: { compression: { enabled: false } },
        retry: FAST_RETRY,
        gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
        usage: { store: 'sqlite' },
        guard: { secrets: 'redact' },
      };
    },
  });
  for (const mode of ['block', 'log'] as const) {
    const key = generateKey();
    h.store.addGatewayKey({ ...newKeyRecord(key, `guard-${mode}`), guard: mode });
    keys[mode] = key;
  }
  await until('the keys with their own guard', async () => {
    const res = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${keys.log!}` } });
    return res.status === 200;
  });
});
after(async () => {
  await h.close();
  await proxy.close();
});

const openai = (key = h.key): OpenAI => new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
const anthropic = (key = h.key): Anthropic => new Anthropic({ baseURL: h.url, apiKey: key, maxRetries: 0 });

function chatMessages(extra: string): OpenAI.Chat.ChatCompletionMessageParam[] {
  return [
    { role: 'user', content: `my environment:\n${env}\n${extra}` },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'call_1',
          type: 'function',
          function: { name: 'write_file', arguments: JSON.stringify({ path: '.env', content: env }) },
        },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: `${env}\n${extra}` },
    { role: 'user', content: 'go on' },
  ];
}

function anthropicMessages(extra: string): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: `my environment:\n${env}\n${extra}` },
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: '.env', content: env } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `${env}\n${extra}` }] },
  ];
}

function responsesInput(extra: string): OpenAI.Responses.ResponseInput {
  return [
    { role: 'user', content: `my environment:\n${env}\n${extra}` },
    { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: JSON.stringify({ content: env }) },
    { type: 'function_call_output', call_id: 'call_1', output: `${env}\n${extra}` },
  ];
}

const tools = [{ type: 'function' as const, function: { name: 'write_file', parameters: { type: 'object' } } }];

test('under redact the upstream never receives a planted secret, and the decoys pass untouched', async () => {
  const sent = decoys(600);
  const batches = Array.from({ length: 6 }, (_, i) => sent.slice(i * 100, i * 100 + 100).join('\n'));
  const before = proxy.bodies.length;
  await openai().chat.completions.create({ model: 'main', messages: chatMessages(batches[0]!), tools });
  const chunks = await openai().chat.completions.create({
    model: 'main',
    messages: chatMessages(batches[1]!),
    tools,
    stream: true,
  });
  for await (const _ of chunks);
  await anthropic().messages.create({ model: 'main', max_tokens: 100, messages: anthropicMessages(batches[2]!) });
  const stream = anthropic().messages.stream({
    model: 'main',
    max_tokens: 100,
    messages: anthropicMessages(batches[3]!),
  });
  await stream.finalMessage();
  await openai().responses.create({ model: 'main', input: responsesInput(batches[4]!) });
  const events = await openai().responses.create({ model: 'main', input: responsesInput(batches[5]!), stream: true });
  for await (const _ of events);

  const received = proxy.bodies.slice(before).map((b) => b.text);
  assert.equal(received.length, 6);
  for (const text of received) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `a ${secret.slice(0, 6)}… secret went upstream`);
    assert.match(text, /\[redacted aws_access_key …[A-Z2-7]{4}\]/);
  }
  const all = received.join('\n');
  const passed = sent.filter((d) => all.includes(JSON.stringify(d).slice(1, -1)));
  assert.ok(passed.length >= sent.length * 0.99, `${sent.length - passed.length} of ${sent.length} decoys changed`);
});

test('under block the caller gets a 400 naming the rule and the message, and nothing goes upstream', async () => {
  const before = proxy.bodies.length;
  await assert.rejects(
    openai(keys.block).chat.completions.create({ model: 'main', messages: chatMessages('') }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.match(err.message, /rule aws-access-key\) in message 0/);
      for (const secret of secrets) assert.ok(!err.message.includes(secret));
      return true;
    },
  );
  await assert.rejects(
    anthropic(keys.block).messages.create({ model: 'main', max_tokens: 10, messages: anthropicMessages('') }),
    (err: unknown) => err instanceof Anthropic.BadRequestError && /secrets guard/.test(err.message),
  );
  await assert.rejects(
    openai(keys.block).responses.create({ model: 'main', input: responsesInput(''), stream: true }),
    (err: unknown) => err instanceof OpenAI.BadRequestError && /rule aws-access-key/.test(err.message),
  );
  assert.equal(proxy.bodies.length, before);
});

test('under log the traffic is unchanged, and each hit is counted and recorded without the secret', async () => {
  const before = proxy.bodies.length;
  await openai(keys.log).chat.completions.create({ model: 'main', messages: chatMessages('') });
  assert.ok(proxy.bodies[before]!.text.includes(planted[0]!.secrets[0]!), 'log leaves the request as it came');
  await until('the request line with its guard findings', () =>
    h.logs.some((l) => l.includes('"key":"guard-log"') && l.includes('aws-access-key@messages[0].content:log')),
  );
  const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  assert.match(metrics, /switchyard_guard_secrets_total\{rule="aws-access-key",action="log"\} [1-9]/);
  assert.match(metrics, /switchyard_guard_secrets_total\{rule="private-key",action="redact"\} [1-9]/);
});

test('no planted secret appears in a log line, a metric, the ledger or the dashboard', async () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  await until('the ledger rows', async () => {
    const res = await fetch(`${h.url}/admin/usage/requests?limit=50`, { headers: auth });
    return ((await res.json()) as { requests: unknown[] }).requests.length >= 7;
  });
  const dashboard = await (await fetch(`${h.url}/ui/api/requests`, { headers: auth })).text();
  assert.match(dashboard, /"guard":"redact"/, "the dashboard's Requests view is told of the redactions");
  const pages = [
    dashboard,
    h.logs.join('\n'),
    await (await fetch(`${h.url}/metrics`, { headers: auth })).text(),
    await (await fetch(`${h.url}/admin/usage/requests?limit=50`, { headers: auth })).text(),
  ];
  for (const page of pages) for (const secret of secrets) assert.ok(!page.includes(secret), secret.slice(0, 6));
});

test('the ledger keeps what the guard did per request, and usage --by guard sums it', async () => {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  type Row = { client_key: string; guard?: string };
  await until('the rows with their guard', async () => {
    const res = await fetch(`${h.url}/admin/usage/requests?limit=50`, { headers: auth });
    const rows = ((await res.json()) as { requests: Row[] }).requests;
    return rows.some((r) => r.guard === 'redact') && rows.some((r) => r.guard === 'log');
  });
  const out = await runCliInProcess(['--config', h.configPath, 'usage', '--by', 'guard', '--json'], {
    env: { SWITCHYARD_HOME: h.home },
  });
  assert.equal(out.code, 0, out.stderr);
  const totals = (JSON.parse(out.stdout) as { guard: { guard: string; requests: number }[] }).guard;
  assert.ok((totals.find((t) => t.guard === 'redact')?.requests ?? 0) >= 6, out.stdout);
  assert.ok((totals.find((t) => t.guard === 'log')?.requests ?? 0) >= 1, out.stdout);
});
