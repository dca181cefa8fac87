// The simulator's Anthropic server-side compaction (docs/simulator.md#answers), with the official
// `@anthropic-ai/sdk`: over the compact edit's trigger, with the beta, the answer opens with a `compaction` block (whole,
// and streamed as one compaction_delta), pausing after it on `pause_after_compaction`; the block sent back is read
// from there on; without the beta a compaction block is refused and no compaction is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { withSim, anthropic, parseJson, parseSse } from './client.ts';

const KEY = 'sk-ant-compaction-sim';
const SCENARIO = { keys: { [KEY]: {} } };
const client = (url: string) => new Anthropic({ baseURL: url, apiKey: KEY, maxRetries: 0 });

/** A conversation of some 56,000 estimated tokens (characters / 4): over Anthropic's least trigger, 50,000. */
const LONG = [
  { role: 'user' as const, content: `plan the website: ${'home page details '.repeat(6_000)}` },
  { role: 'assistant' as const, content: 'A home page and an about page.' },
  { role: 'user' as const, content: `now the footer: ${'footer links '.repeat(9_000)}` },
];
const TRIGGER = 50_000;

const edit = (trigger: number, pause = false) => ({
  edits: [
    {
      type: 'compact_20260112' as const,
      trigger: { type: 'input_tokens' as const, value: trigger },
      pause_after_compaction: pause,
    },
  ],
});

test('over its trigger the answer opens with a compaction block, then answers; under it, none', async () => {
  await withSim(SCENARIO, async (sim) => {
    const over = await client(sim.url).beta.messages.create({
      model: 'sim-large',
      max_tokens: 1024,
      betas: ['compact-2026-01-12'],
      messages: LONG,
      context_management: edit(TRIGGER),
    });
    assert.deepEqual(
      over.content.map((b) => b.type),
      ['compaction', 'text'],
    );
    const block = over.content[0] as Anthropic.Beta.BetaCompactionBlock;
    assert.match(block.content ?? '', /^<summary>The user asked 2 time\(s\): plan the website/);
    assert.equal(block.encrypted_content, null, 'the first beta carries the summary only');
    assert.equal(over.stop_reason, 'end_turn');

    const under = await client(sim.url).beta.messages.create({
      model: 'sim-large',
      max_tokens: 1024,
      betas: ['compact-2026-01-12'],
      messages: LONG,
      context_management: edit(100_000),
    });
    assert.deepEqual(
      under.content.map((b) => b.type),
      ['text'],
    );
  });
});

test('pause_after_compaction answers the block alone with stop_reason compaction, streamed as Anthropic streams it', async () => {
  await withSim(SCENARIO, async (sim) => {
    const stream = client(sim.url).beta.messages.stream({
      model: 'sim-large',
      max_tokens: 1024,
      betas: ['compact-2026-09-04'],
      messages: LONG,
      context_management: edit(TRIGGER, true),
    });
    const events: string[] = [];
    for await (const ev of stream)
      events.push(
        ev.type === 'content_block_delta'
          ? `delta:${ev.delta.type}`
          : ev.type === 'content_block_start'
            ? `start:${ev.content_block.type}`
            : ev.type,
      );
    const message = await stream.finalMessage();
    assert.deepEqual(events, [
      'message_start',
      'start:compaction',
      'delta:compaction_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.equal(message.stop_reason, 'compaction');
    assert.equal(message.content.length, 1);
    const block = message.content[0] as Anthropic.Beta.BetaCompactionBlock;
    assert.match(block.content ?? '', /^<summary>/);
    assert.match(block.encrypted_content ?? '', /^sim-cmp-/, 'the later beta carries opaque content to send back');

    // Sent back, the conversation is read from the block on: far under the trigger, so no compaction again.
    const next = await client(sim.url).beta.messages.create({
      model: 'sim-large',
      max_tokens: 1024,
      betas: ['compact-2026-09-04'],
      messages: [...LONG, { role: 'assistant', content: message.content }, { role: 'user', content: 'go on' }],
      context_management: edit(TRIGGER),
    });
    assert.deepEqual(
      next.content.map((b) => b.type),
      ['text'],
    );
    assert.ok(next.usage.input_tokens < 100, `only the block on is read (${next.usage.input_tokens})`);
    assert.equal((next.content[0] as Anthropic.Beta.BetaTextBlock).text, '[sim-large] reply to: go on');
  });
});

test('the beta may come in the body’s betas; a trigger under 50,000 and a compaction block without the beta are refused', async () => {
  await withSim(SCENARIO, async (sim) => {
    const inBody = await anthropic(sim, KEY, {
      model: 'sim-large',
      max_tokens: 1024,
      betas: ['compact-2026-01-12'],
      messages: LONG,
      context_management: edit(TRIGGER, true),
    });
    assert.equal(inBody.status, 200, inBody.text);
    assert.equal(parseJson(inBody.text)['stop_reason'], 'compaction');
    const streamed = await anthropic(sim, KEY, {
      model: 'sim-large',
      max_tokens: 1024,
      stream: true,
      betas: ['compact-2026-01-12'],
      messages: LONG,
      context_management: edit(TRIGGER),
    });
    const types = parseSse(streamed.text).map((e) => JSON.parse(e.data) as { index?: number; type: string });
    assert.deepEqual(
      types.filter((e) => e.type === 'content_block_start').map((e) => e.index),
      [0, 1],
      'the compaction block, then the answer’s',
    );

    await assert.rejects(
      client(sim.url).beta.messages.create({
        model: 'sim-large',
        max_tokens: 1024,
        betas: ['compact-2026-01-12'],
        messages: LONG,
        context_management: edit(1_000),
      }),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        /context_management\.edits\.0\.trigger\.value: Input should be greater than or equal to 50000/.test(
          err.message,
        ),
    );
    await assert.rejects(
      client(sim.url).messages.create({
        model: 'sim-large',
        max_tokens: 1024,
        messages: [
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: [{ type: 'compaction', content: 'a summary' } as unknown as Anthropic.TextBlockParam],
          },
          { role: 'user', content: 'go on' },
        ],
      }),
      (err: unknown) =>
        err instanceof Anthropic.BadRequestError &&
        /messages\.1\.content\.0\.type: 'compaction' blocks need/.test(err.message),
    );
  });
});
