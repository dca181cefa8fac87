// A real server-side compaction round trip through the gateway and the simulator's Anthropic endpoint
// (docs/responses.md#compaction): an Anthropic caller (the official SDK, its beta and compact edit) gets the upstream's
// compaction block, paused and streamed, sends it back and is answered from the block on; a Responses caller's
// compact_threshold on an Anthropic route becomes Anthropic's own compaction, whose block comes back as a compaction
// item, and the next turn (previous_response_id) is rebuilt from that summary on. On a chain mixing Anthropic and
// OpenAI-compatible routes, a conversation over the edit's trigger goes to the Anthropic routes (the others skipped,
// saying why in the request's line); a chain without one refuses it, in Anthropic's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

const ANT = 'sk-ant-compaction-sim-01';
const OA = 'sk-oa-compaction-sim-001';
let h: Harness;

before(async () => {
  h = await startHarness({
    scenario: { keys: { [ANT]: {} } },
    config: (sim) => ({
      providers: { ant: simProvider(sim, 'anthropic', ANT) },
      main: { provider: 'ant', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
});
after(() => h.close());

/** Some 56,000 estimated tokens: over Anthropic's least trigger, 50,000. */
const PLAN = `plan the website: ${'home page details '.repeat(6_000)}`;
const FOOTER = `now the footer: ${'footer links '.repeat(9_000)}`;
const TRIGGER = 50_000;

const compactEdit = (pause: boolean) => ({
  edits: [
    {
      type: 'compact_20260112' as const,
      trigger: { type: 'input_tokens' as const, value: TRIGGER },
      pause_after_compaction: pause,
    },
  ],
});

test('an Anthropic caller: the streamed block pauses the answer, and sent back the conversation goes on from it', async () => {
  const client = new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 });
  const messages: Anthropic.Beta.BetaMessageParam[] = [
    { role: 'user', content: PLAN },
    { role: 'assistant', content: 'A home page and an about page.' },
    { role: 'user', content: FOOTER },
  ];
  const stream = client.beta.messages.stream({
    model: 'main',
    max_tokens: 1024,
    betas: ['compact-2026-01-12'],
    messages,
    context_management: compactEdit(true),
  });
  const paused = await stream.finalMessage();
  assert.equal(paused.stop_reason, 'compaction');
  assert.deepEqual(
    paused.content.map((b) => b.type),
    ['compaction'],
  );
  const summary = (paused.content[0] as Anthropic.Beta.BetaCompactionBlock).content ?? '';
  assert.match(summary, /^<summary>The user asked 2 time\(s\): plan the website/);
  assert.match(h.sim.log().at(-1)!.anthropic_beta ?? '', /compact-2026-01-12/);

  const next = await client.beta.messages.create({
    model: 'main',
    max_tokens: 1024,
    betas: ['compact-2026-01-12'],
    messages: [...messages, { role: 'assistant', content: paused.content }, { role: 'user', content: 'go on' }],
    context_management: compactEdit(false),
  });
  // The upstream read the conversation from the block on: far under the trigger, nothing compacted again.
  assert.deepEqual(
    next.content.map((b) => b.type),
    ['text'],
  );
  assert.equal((next.content[0] as Anthropic.Beta.BetaTextBlock).text, '[sim-large] reply to: go on');
  assert.ok(next.usage.input_tokens < 200, `only the block on was read (${next.usage.input_tokens} tokens)`);
});

test('a Responses caller on an Anthropic route: compact_threshold compacts there, and the item goes on as its summary', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const first = await client.responses.create({
    model: 'main',
    input: [
      { role: 'user', content: PLAN },
      { role: 'assistant', content: 'A home page and an about page.' },
      { role: 'user', content: FOOTER },
    ],
    context_management: [{ type: 'compaction', compact_threshold: TRIGGER }],
  });
  const sent = h.sim.log().at(-1)!;
  assert.match(sent.anthropic_beta ?? '', /compact-2026-01-12/);
  assert.ok(sent.fields.includes('context_management'));
  assert.deepEqual(
    first.output.map((i) => i.type),
    ['compaction', 'message'],
    'the upstream’s compaction block, then its answer',
  );
  const item = first.output[0] as { encrypted_content: string };
  assert.match(item.encrypted_content, /^switchyard-compaction-v1\./, 'the gateway’s own item, holding the summary');
  assert.equal(first.output_text, `[sim-large] reply to: ${FOOTER.slice(0, 60).trim()}`);

  const second = await client.responses.create({ model: 'main', previous_response_id: first.id, input: 'go on' });
  assert.equal(second.status, 'completed');
  assert.equal(second.output_text, '[sim-large] reply to: go on');
  // Rebuilt from the compaction on, as Anthropic reads a block it made: its summary, the answer after it, the new turn.
  assert.deepEqual(h.sim.log().at(-1)!.roles, ['user', 'assistant', 'user']);
});

test('under the threshold a Responses caller on an Anthropic route is answered without a compaction', async () => {
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const small = await client.responses.create({
    model: 'main',
    input: 'a short question',
    context_management: [{ type: 'compaction', compact_threshold: TRIGGER }],
  });
  assert.deepEqual(
    small.output.map((i) => i.type),
    ['message'],
  );
});

/** A gateway whose main chain is `chain` (`ant`: the simulator's Anthropic endpoint, `oa`: its OpenAI one). */
function mixed(chain: readonly ('ant' | 'oa')[]): Promise<Harness> {
  const [first, ...rest] = chain.map((provider) => ({ provider, model: 'sim-large' }));
  return startHarness({
    scenario: { keys: { [ANT]: {}, [OA]: {} } },
    config: (sim) => ({
      providers: { ant: simProvider(sim, 'anthropic', ANT), oa: simProvider(sim, 'openai', OA) },
      main: first,
      ...(rest.length > 0 ? { fallback: rest } : {}),
      retry: FAST_RETRY,
    }),
  });
}

/** Claude Code's turn past the trigger: the compaction beta and its edit, over some 54,000 tokens as the gateway
 * counts them. */
const overTrigger = (h: Harness) =>
  new Anthropic({ baseURL: h.url, apiKey: h.key, maxRetries: 0 }).beta.messages
    .create({
      model: 'main',
      max_tokens: 1024,
      betas: ['compact-2026-01-12'],
      messages: [
        { role: 'user', content: PLAN },
        { role: 'assistant', content: 'A home page and an about page.' },
        { role: 'user', content: `${FOOTER}\n${PLAN}` },
      ],
      context_management: compactEdit(false),
    })
    .withResponse();

test('an Anthropic main with an OpenAI-compatible fallback: the conversation over the trigger is compacted by the main', async () => {
  await using m = await mixed(['ant', 'oa']);
  const { data, response } = await overTrigger(m);
  assert.deepEqual(
    data.content.map((b) => b.type),
    ['compaction', 'text'],
  );
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-large');
  const sent = m.sim.log();
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.api, 'anthropic');
  assert.match(sent[0]!.anthropic_beta ?? '', /compact-2026-01-12/);
  assert.ok(sent[0]!.fields.includes('context_management'));
});

test('an OpenAI-compatible main with an Anthropic fallback: the main is skipped, saying why, and the fallback compacts', async () => {
  await using m = await mixed(['oa', 'ant']);
  const { data, response } = await overTrigger(m);
  assert.deepEqual(
    data.content.map((b) => b.type),
    ['compaction', 'text'],
  );
  assert.equal(response.headers.get('x-switchyard-route'), 'ant/sim-large');
  assert.equal(response.headers.get('x-switchyard-attempts'), '1', 'nothing was sent to the OpenAI-compatible main');
  assert.deepEqual(
    m.sim.log().map((c) => c.api),
    ['anthropic'],
  );
  const line = m.logs.find((l) => l.includes('"path":"/v1/messages"'));
  assert.match(
    line ?? '',
    /"route":"oa\/sim-large","outcome":"skipped","reason":"cannot compact this conversation \(about \d+ tokens, over the trigger of 50000 of context_management.edits\[0\]\): only anthropic routes can"/,
  );
});

test('a chain without an Anthropic route refuses the conversation over the trigger, in Anthropic’s shape', async () => {
  await using m = await mixed(['oa']);
  const err = await overTrigger(m).then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Anthropic.BadRequestError, String(err));
  assert.equal((err.error as { type?: string }).type, 'error');
  assert.equal((err.error as { error?: { type?: string } }).error?.type, 'invalid_request_error');
  assert.match(err.message, /over this compaction's trigger of 50000.*oa\/sim-large .*nor can any other route/);
  assert.deepEqual(m.sim.log(), [], 'never sent on uncompacted');
});
