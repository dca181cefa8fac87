// Streaming through the ladder, and chains that cross provider types (OpenAI-compatible ↔ Anthropic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEvent } from '../../src/providers/types.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { isContentDelta } from '../../src/routing/stream.ts';
import { FAST_RETRY, harness, hello } from './helpers.ts';
import { startCannedUpstream } from '../helpers/canned-upstream.ts';
import { assertBlocks } from '../helpers/stream-blocks.ts';

const A = 'sk-stream-a-000001';
const B = 'sk-stream-b-000002';

function twoProviders(
  first: { type: string; url: string },
  second: { type: string; url: string },
  models: [string, string] = ['sim-large', 'sim-small'],
): unknown {
  return {
    providers: {
      one: { type: first.type, base_url: first.url, api_key: A },
      two: { type: second.type, base_url: second.url, api_key: B },
    },
    main: { provider: 'one', model: models[0] },
    fallback: [{ provider: 'two', model: models[1] }],
    retry: FAST_RETRY,
  };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function text(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

test('a failure before the first delta falls back invisibly: one start frame, from the route that answered', async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { valid: false }, [B]: {} } },
    config: (u) => twoProviders({ type: 'openai', url: u.openai }, { type: 'openai', url: u.openai }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'two/sim-small');
  const events = await collect(r.events);
  const starts = events.filter((e) => e.type === 'start');
  assert.equal(starts.length, 1);
  assert.equal(events.at(-1)?.type, 'finish');
  assert.ok(text(events).length > 0);
  assert.equal(h.sim.calls(A), 1);
  assert.equal(h.sim.calls(B), 1);
});

test('an error inside a 200 stream before any content is retried like any other failure', async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { script: ['stream_error_first'] }, [B]: {} } },
    config: (u) => twoProviders({ type: 'openai', url: u.openai }, { type: 'openai', url: u.openai }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events = await collect(r.events);
  assert.equal(events.filter((e) => e.type === 'start').length, 1);
  assert.equal(events.at(-1)?.type, 'finish');
  assert.equal(h.sim.calls(A) + h.sim.calls(B), 2, 'one failed try, one good one');
});

for (const step of ['cut', 'stream_error'] as const) {
  test(`a ${step} after the first delta ends the stream with an error, never a clean end, and does not switch`, async () => {
    // A pause between stream events lets the first content reach us before the cut.
    await using h = await harness({
      scenario: { stream_delay: '15ms', keys: { [A]: { script: [step] }, [B]: {} } },
      config: (u) => twoProviders({ type: 'openai', url: u.openai }, { type: 'openai', url: u.openai }),
    });
    const r = await h.router.chat({ messages: hello, stream: true });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    const seen: StreamEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const e of r.events) seen.push(e);
      })(),
      (err: unknown) => {
        assert.ok(SwitchyardError.isInstance(err), String(err));
        assert.equal(err.midStream, true);
        assert.match(err.explanation, /broke off after it had started/);
        return true;
      },
    );
    assert.ok(
      seen.some((e) => e.type === 'text'),
      'content was delivered before the failure',
    );
    assert.ok(!seen.some((e) => e.type === 'finish'), 'no clean end');
    assert.equal(h.sim.calls(B), 0, 'no switch after the first delta');
    // The attempt the stream was committed on says how it ended, with the key it was sent with; no second entry.
    assert.equal(r.trail.length, 1, JSON.stringify(r.trail));
    const [broken] = r.trail;
    assert.equal(broken?.outcome, step === 'cut' ? 'connection' : 'overloaded');
    assert.match(broken?.message ?? '', /^mid-stream: /);
    assert.ok(broken?.credential?.fingerprint, 'the attempt keeps its key');
  });
}

for (const [from, to] of [
  ['openai', 'anthropic'],
  ['anthropic', 'openai'],
] as const) {
  test(`a chain from ${from} to ${to} answers in the caller's shape, streaming and not`, async () => {
    await using h = await harness({
      scenario: { keys: { [A]: { valid: false }, [B]: {} } },
      config: (u) =>
        twoProviders(
          { type: from, url: from === 'openai' ? u.openai : u.anthropic },
          { type: to, url: to === 'openai' ? u.openai : u.anthropic },
        ),
    });
    const plain = await h.router.chat({
      messages: [{ role: 'system', content: 'be brief' }, ...hello],
      max_tokens: 50,
    });
    assert.equal(plain.status, 'ok');
    if (plain.status !== 'ok') return;
    assert.equal(plain.route, 'two/sim-small');
    assert.ok(plain.response.content.length > 0);
    assert.equal(plain.response.finish_reason, 'stop');
    const streamed = await h.router.chat({ messages: hello, max_tokens: 50, stream: true });
    assert.equal(streamed.status, 'ok');
    if (streamed.status !== 'ok') return;
    const events = await collect(streamed.events);
    assert.ok(text(events).length > 0);
    assert.equal(events.at(-1)?.type, 'finish');
    const log = h.sim.log();
    assert.ok(
      log.some((c) => c.key === B && c.api === to && c.outcome === 'ok'),
      `answered by the ${to} API`,
    );
  });
}

test('a block that starts commits nothing: a stream that fails after thinking and an empty text block falls back', async () => {
  const sse = [
    { type: 'message_start', message: { id: 'msg_1', model: 'c', usage: { input_tokens: 3, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me see.' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  ]
    .map((d) => `event: ${d.type}\ndata: ${JSON.stringify(d)}\n\n`)
    .join('');
  // Every try (the ladder retries an overloaded route) gets the same stream.
  const failing = { status: 200, headers: { 'content-type': 'text/event-stream' }, body: sse };
  await using up = await startCannedUpstream([], () => failing);
  await using h = await harness({
    scenario: { keys: { [B]: {} } },
    config: (u) => twoProviders({ type: 'anthropic', url: up.origin }, { type: 'openai', url: u.openai }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events = await collect(r.events);
  assert.equal(r.route, 'two/sim-small');
  assert.equal(r.trail[0]?.outcome, 'overloaded');
  assertBlocks(events);
  assert.equal(events.filter((e) => e.type === 'start').length, 1);
  assert.equal(
    events.some((e) => e.type === 'thinking_start'),
    false,
    'nothing of the failed attempt reached the caller',
  );
  assert.match(text(events), /reply to/);
});

test("a block's start or end is not content, so it commits nothing: only a delta does", () => {
  const boundaries: StreamEvent[] = [
    { type: 'text_start', id: 'txt-0' },
    { type: 'text_end', id: 'txt-0' },
    { type: 'thinking_start', id: 'rsn-1' },
    { type: 'thinking_end', id: 'rsn-1' },
    { type: 'tool_call_end', index: 0, id: 'call_1' },
    { type: 'text', text: '', id: 'txt-0' },
  ];
  for (const e of boundaries) assert.equal(isContentDelta(e), false, e.type);
  assert.equal(isContentDelta({ type: 'text', text: 'a', id: 'txt-0' }), true);
  assert.equal(isContentDelta({ type: 'tool_call_start', index: 0, id: 'call_1', name: 'f' }), true);
});
