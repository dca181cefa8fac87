// Same shape, same bytes: an OpenAI chat-completions caller on an OpenAI route is sent its own body byte for byte
// (its spacing, its escapes, fields the gateway does not read) with only what must change spliced in — the route's
// model, and on a stream `stream_options.include_usage`. A fallback to another shape is still sent the translation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';
import type { SimCallRecord } from '../../src/sim/types.ts';
import { DEFAULT_MODELS } from '../../src/sim/scenario.ts';
import { readFileSync } from 'node:fs';

const OA_OK = 'sk-oa-bytes-good-key-001';
const OA_LIMITED = 'sk-oa-bytes-limited-0001';
const OA_LIMITED_2 = 'sk-oa-bytes-limited-0002';
const ANT_OK = 'sk-ant-bytes-good-key-01';

let h: Harness;

before(async () => {
  h = await startHarness({
    keepBodies: true,
    scenario: {
      models: { ...DEFAULT_MODELS, 'claude-opus-5-5': { context_window: 1_000_000 } },
      keys: {
        [OA_OK]: {},
        [OA_LIMITED]: { script: ['429'], loop_script: true },
        [OA_LIMITED_2]: { script: ['429'], loop_script: true },
        [ANT_OK]: {},
      },
    },
    config: (sim) => ({
      providers: {
        oa: simProvider(sim, 'openai', OA_OK),
        oalimited: simProvider(sim, 'openai', OA_LIMITED),
        oalimited2: simProvider(sim, 'openai', OA_LIMITED_2),
        ant: simProvider(sim, 'anthropic', ANT_OK),
        antcc: simProvider(sim, 'anthropic', ANT_OK),
        resp: simProvider(sim, 'openai', OA_OK, { responses_api: true }),
      },
      main: { provider: 'oa', model: 'sim-large' },
      auxiliary: {
        over: {
          provider: 'oalimited',
          model: 'sim-large',
          fallback_chain: [{ provider: 'ant', model: 'sim-small' }],
          fallback_to_main: false,
        },
        again: {
          provider: 'oalimited2',
          model: 'sim-large',
          fallback_chain: [{ provider: 'oa', model: 'sim-large' }],
          fallback_to_main: false,
        },
      },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

/** An agent's turn: a system prompt, tool schemas, a tool call and its result, text with escapes and non-ASCII, a
 * field the gateway does not read; spaced as a pretty-printer spaces it, `model` first and `stream` last. */
function agentBody(model: string, stream: boolean, systemLines = 40): string {
  const tools = Array.from({ length: 6 }, (_, i) => ({
    type: 'function',
    function: {
      name: `tool_${i}`,
      description: `Reads a file (${i}). `.repeat(8),
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  }));
  const messages = [
    { role: 'system', content: 'You are a coding agent — café rules apply.\n'.repeat(systemLines) },
    { role: 'user', content: 'Fix the test "a \\"quoted\\" name".' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'tool_1', arguments: '{"path":"src/x.ts"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'export const x = "\\u00e9";\n'.repeat(60) },
    { role: 'user', content: 'Go on.' },
  ];
  const body = { model, messages, tools, max_tokens: 64, metadata: { turn: 'seven' }, ...(stream ? { stream } : {}) };
  // \u escapes the gateway must not normalise.
  return JSON.stringify(body, null, 2).replace('café', 'caf\\u00e9');
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}`, ...headers },
    body,
  });
}

function callsTo(key: string): SimCallRecord[] {
  return h.sim.log().filter((c) => c.key === key);
}

test('a non-streamed OpenAI body reaches an OpenAI route as it came, its model spliced in', async () => {
  const sent = agentBody('main', false);
  const res = await post('/v1/chat/completions', sent);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  const got = callsTo(OA_OK).at(-1)?.body;
  assert.equal(got, sent.replace('"model": "main"', '"model": "sim-large"'));
});

test('a 250 KB body, parsed in pieces from its bytes, reaches an OpenAI route as it came, its model spliced in', async () => {
  const sent = agentBody('main', false, 5_500);
  assert.ok(Buffer.byteLength(sent) > 200 * 1024);
  const res = await post('/v1/chat/completions', sent);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  assert.equal(callsTo(OA_OK).at(-1)?.body, sent.replace('"model": "main"', '"model": "sim-large"'));
});

test('a 250 KB body led by a byte-order mark reaches an OpenAI route as it came, without the mark', async () => {
  const sent = agentBody('main', false, 5_500);
  const res = await post('/v1/chat/completions', `\ufeff${sent}`);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  assert.equal(callsTo(OA_OK).at(-1)?.body, sent.replace('"model": "main"', '"model": "sim-large"'));
});

test('a streamed OpenAI body reaches an OpenAI route as it came, with its model and include_usage spliced in', async () => {
  const sent = agentBody('main', true);
  const res = await post('/v1/chat/completions', sent);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /data: \[DONE\]/);
  const got = callsTo(OA_OK).at(-1)?.body;
  const expected = sent
    .replace('"model": "main"', '"model": "sim-large"')
    .replace(/"stream": true\n\}$/, '"stream": true,"stream_options":{"include_usage":true}\n}');
  assert.equal(got, expected);
});

test('a 250 KB streamed body reaches an OpenAI route in pieces as it came, with include_usage spliced in at its end', async () => {
  const sent = agentBody('main', true, 5_500);
  const res = await post('/v1/chat/completions', sent);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /data: \[DONE\]/);
  const expected = sent
    .replace('"model": "main"', '"model": "sim-large"')
    .replace(/"stream": true\n\}$/, '"stream": true,"stream_options":{"include_usage":true}\n}');
  assert.equal(callsTo(OA_OK).at(-1)?.body, expected);
});

test('a 250 KB body sent again after a 429, to the next OpenAI route, is the same bytes each time', async () => {
  const sent = agentBody('again', false, 5_500);
  const [limited, ok] = [callsTo(OA_LIMITED_2).length, callsTo(OA_OK).length];
  const res = await post('/v1/chat/completions', sent);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  const expected = sent.replace('"model": "again"', '"model": "sim-large"');
  assert.equal(callsTo(OA_LIMITED_2).length, limited + 1);
  assert.equal(callsTo(OA_LIMITED_2).at(-1)?.body, expected);
  assert.equal(callsTo(OA_OK).length, ok + 1);
  assert.equal(callsTo(OA_OK).at(-1)?.body, expected);
});

test('a fallback to an Anthropic route is sent the translation, the OpenAI attempts before it the bytes', async () => {
  for (const stream of [false, true]) {
    const sent = agentBody('over', stream);
    const antBefore = callsTo(ANT_OK).length;
    const limitedBefore = callsTo(OA_LIMITED).length;
    const res = await post('/v1/chat/completions', sent);
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    // The first turn finds the key and cools it; the second may skip it while it cools.
    const limited = callsTo(OA_LIMITED);
    if (!stream) assert.equal(limited.length, limitedBefore + 1);
    if (limited.length > limitedBefore) {
      assert.equal(limited.at(-1)?.outcome, 'rate_limited');
      const spliced = sent.replace('"model": "over"', '"model": "sim-large"');
      const expected = stream ? spliced.replace(/\n\}$/, ',"stream_options":{"include_usage":true}\n}') : spliced;
      assert.equal(limited.at(-1)?.body, expected, 'the OpenAI attempt got the bytes');
    }
    const ant = callsTo(ANT_OK);
    assert.equal(ant.length, antBefore + 1);
    const body = JSON.parse(ant.at(-1)!.body!) as Record<string, unknown>;
    assert.equal(body['model'], 'sim-small');
    assert.match(String(JSON.stringify(body['system'])), /café rules apply/);
    assert.equal((body['tools'] as { input_schema: unknown }[]).length, 6);
    assert.equal(body['metadata'], undefined, 'a field the gateway does not read stays out of a translation');
    assert.deepEqual(
      (body['messages'] as { role: string }[]).map((m) => m.role),
      ['user', 'assistant', 'user'],
    );
  }
});

test('an Anthropic caller on an OpenAI route is sent the translation, not its own bytes', async () => {
  const sent = JSON.stringify({ model: 'main', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
  const res = await post('/v1/messages', sent, { 'anthropic-version': '2023-06-01' });
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  const body = JSON.parse(callsTo(OA_OK).at(-1)!.body!) as Record<string, unknown>;
  assert.equal(body['model'], 'sim-large');
  assert.deepEqual(body['messages'], [{ role: 'user', content: 'hi' }]);
});

test('a Responses body reaches a route that serves the Responses API as it came, its model and stream spliced in', async () => {
  const sent = JSON.stringify(
    {
      model: 'resp/sim-large',
      instructions: 'Be brief — très.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'say "hi"' }] }],
      store: false,
      max_output_tokens: 64,
    },
    null,
    2,
  );
  const res = await post('/v1/responses', sent);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  const got = callsTo(OA_OK).at(-1);
  assert.equal(got?.path, '/v1/responses');
  const expected = sent
    .replace('"model": "resp/sim-large"', '"model": "sim-large"')
    .replace(/\n\}$/, ',"stream":false\n}');
  assert.equal(got?.body, expected);
});

/** A request Claude Code sent (test/fixtures/clients/), pretty-printed as no SDK would, to an Anthropic route of
 * the model it named. */
function claudeCodeBody(file: string, grownBy = 0): { sent: string; body: Record<string, unknown> } {
  const captured = JSON.parse(
    readFileSync(new URL(`../fixtures/clients/claude-code-2.1.331/${file}`, import.meta.url), 'utf8'),
  ) as { request: { body: Record<string, unknown> } };
  const body: Record<string, unknown> = { ...captured.request.body, model: 'antcc/claude-opus-5-5' };
  // A longer session's turn: its system prompt's first block grown, the rest as captured.
  if (grownBy > 0) {
    const [first, ...rest] = body['system'] as { text: string }[];
    body['system'] = [{ ...first!, text: `${first!.text}\n${'Keep going. '.repeat(grownBy / 12)}` }, ...rest];
  }
  return { sent: JSON.stringify(body, null, 2), body };
}

type Json = Record<string, unknown>;

/** What the translation leaves out of Claude Code's body: a system message's own `output_config` and a tool's
 * `defer_loading`. */
function withoutUncarried(body: Json): Json {
  const messages = (body['messages'] as Json[]).map((m) => {
    const { output_config: _o, ...rest } = m;
    return rest;
  });
  const tools = (body['tools'] as Json[]).map((t) => {
    const { defer_loading: _d, ...rest } = t;
    return rest;
  });
  return { ...body, model: 'claude-opus-5-5', messages, tools };
}

/** Each member's own bytes, as the caller spaced them, are in what the upstream got. */
function sentAsItCame(got: string, body: Json, keys: readonly string[]): void {
  for (const key of keys)
    assert.ok(got.includes(JSON.stringify({ [key]: body[key] }, null, 2).slice(2, -2)), `${key}: the caller's bytes`);
}

const anthropicHeaders = { 'anthropic-version': '2023-06-01' };

test('a Claude Code turn reaches an Anthropic route as its own bytes, with its thinking, less what the gateway does not carry', async () => {
  const { sent, body } = claudeCodeBody('tool-1.json');
  const before = callsTo(ANT_OK).length;
  const res = await post('/v1/messages', sent, anthropicHeaders);
  assert.equal(res.status, 200, await res.clone().text());
  await res.text();
  assert.equal(callsTo(ANT_OK).length, before + 1);
  const got = callsTo(ANT_OK).at(-1)!.body!;
  assert.deepEqual(JSON.parse(got), withoutUncarried(body));
  const spliced = sent.replace('"model": "antcc/claude-opus-5-5"', '"model": "claude-opus-5-5"');
  assert.ok(got.startsWith(spliced.slice(0, spliced.indexOf('"role": "system"'))), 'the first message as it came');
  sentAsItCame(got, body, ['system', 'metadata', 'thinking', 'context_management', 'output_config']);
});

test('a Claude Code turn whose thinking the route withholds has it, and its context editing, spliced out', async () => {
  // The last turn answers a tool call made without a thinking block: Anthropic would refuse thinking on it. As
  // captured, and grown past 100 KB (sent in pieces, its messages' bytes as they came with the thinking taken out).
  for (const grownBy of [0, 120_000]) {
    const { sent, body } = claudeCodeBody('tool-2.json', grownBy);
    if (grownBy > 0) assert.ok(Buffer.byteLength(sent) > 100 * 1024);
    const res = await post('/v1/messages', sent, anthropicHeaders);
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    const got = callsTo(ANT_OK).at(-1)!.body!;
    const { thinking: _t, context_management: _c, ...rest } = withoutUncarried(body);
    assert.deepEqual(JSON.parse(got), rest);
    sentAsItCame(got, body, ['system', 'metadata', 'output_config']);
  }
});

test('an Anthropic body the translation would change is sent the translation: a prefill loses its trailing space', async () => {
  const sent = JSON.stringify(
    {
      model: 'ant/sim-small',
      max_tokens: 32,
      messages: [
        { role: 'user', content: 'Name a colour.' },
        { role: 'assistant', content: 'The colour is ' },
      ],
    },
    null,
    2,
  );
  const res = await post('/v1/messages', sent, anthropicHeaders);
  assert.equal(res.status, 200, await res.clone().text());
  await res.json();
  const body = JSON.parse(callsTo(ANT_OK).at(-1)!.body!) as { messages: Json[] };
  assert.deepEqual(body.messages.at(-1), { role: 'assistant', content: [{ type: 'text', text: 'The colour is' }] });
});

test('a long Anthropic turn sent again goes as it came each time, and a next turn reusing a call id is translated', async () => {
  // Over 16 KB, so its messages are shared between requests and each one's check is kept: the ids must still be
  // checked across the conversation on every request.
  const call = (id: string): Json => ({
    role: 'assistant',
    content: [{ type: 'tool_use', id, name: 'read', input: { path: 'a.ts' } }],
  });
  const result = (id: string): Json => ({
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }],
  });
  const turn = (messages: Json[]): string =>
    JSON.stringify({
      model: 'ant/sim-small',
      max_tokens: 32,
      system: 'You are a coding agent.\n'.repeat(800),
      messages,
      tools: [{ name: 'read', description: 'Reads a file.', input_schema: { type: 'object', properties: {} } }],
    });
  const upstreamOf = async (sent: string): Promise<string> => {
    const res = await post('/v1/messages', sent, anthropicHeaders);
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    return callsTo(ANT_OK).at(-1)!.body!;
  };
  const first = [{ role: 'user', content: 'Read a.ts.' }, call('toolu_1'), result('toolu_1')];
  const asItCame = (sent: string): string => sent.replace('"model":"ant/sim-small"', '"model":"sim-small"');
  for (let i = 0; i < 2; i++) assert.equal(await upstreamOf(turn(first)), asItCame(turn(first)), `sent ${i + 1}`);
  const reused = JSON.parse(await upstreamOf(turn([...first, call('toolu_1'), result('toolu_1')]))) as {
    messages: { content: { id?: string }[] }[];
  };
  assert.notEqual(reused.messages[3]!.content[0]!.id, 'toolu_1', 'the second call with that id is given another');
  assert.equal(await upstreamOf(turn(first)), asItCame(turn(first)), 'and the first turn again as it came');
});

test("a Claude Code turn repeated to an OpenAI route is sent the same translation each time, and the next turn's opens with it", async () => {
  const { body } = claudeCodeBody('tool-1.json');
  const turn = (messages: unknown[]): string => JSON.stringify({ ...body, model: 'oa/sim-large', messages });
  const upstreamOf = async (sent: string): Promise<Json> => {
    const res = await post('/v1/messages', sent, anthropicHeaders);
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    return JSON.parse(callsTo(OA_OK).at(-1)!.body!) as Json;
  };
  const messages = body['messages'] as unknown[];
  const first = await upstreamOf(turn(messages));
  assert.deepEqual(await upstreamOf(turn(messages)), first, 'the same turn again: its translation made once');
  const next = [
    ...messages,
    { role: 'assistant', content: [{ type: 'text', text: 'The test passes now.' }] },
    { role: 'user', content: 'And the lint?' },
  ];
  const later = await upstreamOf(turn(next));
  const sentBefore = first['messages'] as unknown[];
  assert.deepEqual((later['messages'] as unknown[]).slice(0, sentBefore.length), sentBefore);
  assert.deepEqual((later['messages'] as unknown[]).slice(sentBefore.length), [
    { role: 'assistant', content: 'The test passes now.' },
    { role: 'user', content: 'And the lint?' },
  ]);
});
