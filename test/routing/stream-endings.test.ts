// Honest endings past the first token (`streaming:`): a first-token timeout fails over before anything is committed,
// an idle timeout after it ends the stream with an error and counts against the key, and `resume` continues a cut
// text answer from the next route as one stream. Short timeouts and simulator stalls: nothing asserts on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamEvent } from '../../src/providers/types.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { harness, hello } from './helpers.ts';
import { assertBlocks } from '../helpers/stream-blocks.ts';

const A = 'sk-endings-a-000001';
const B = 'sk-endings-b-000002';
const NO_RETRY = { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '1ms', max_wait: '1ms' };

function twoRoutes(
  urls: { openai: string; anthropic: string },
  streaming: Record<string, unknown>,
  secondType: 'openai' | 'anthropic' = 'openai',
): unknown {
  return {
    providers: {
      one: { type: 'openai', base_url: urls.openai, api_key: A },
      two: { type: secondType, base_url: secondType === 'openai' ? urls.openai : urls.anthropic, api_key: B },
    },
    main: { provider: 'one', model: 'sim-large' },
    fallback: [{ provider: 'two', model: 'sim-small' }],
    retry: NO_RETRY,
    streaming,
  };
}

async function collect(events: AsyncIterable<StreamEvent>, into: StreamEvent[] = []): Promise<StreamEvent[]> {
  for await (const e of events) into.push(e);
  return into;
}

function text(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'text' ? e.text : '')).join('');
}

test('a first-token timeout fails over before anything is committed: the caller sees one stream from the next route', async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { latency: '30s' }, [B]: {} } },
    config: (u) => twoRoutes(u, { first_token_timeout: '1s' }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'two/sim-small');
  const events = await collect(r.events);
  assert.equal(events.filter((e) => e.type === 'start').length, 1);
  assert.equal(events.at(-1)?.type, 'finish');
  const first = r.trail[0]!;
  assert.equal(first.outcome, 'timeout');
  assert.match(first.message ?? '', /first_token_timeout/);
});

test('an idle timeout after the commit ends the stream with a timeout error and counts against the key', async () => {
  await using h = await harness({
    scenario: { stream_delay: '5ms', keys: { [A]: { script: ['stall'] }, [B]: {} } },
    config: (u) => twoRoutes(u, { idle_timeout: '100ms' }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const seen: StreamEvent[] = [];
  const err = await collect(r.events, seen).then(
    () => assert.fail('a stalled stream must not end cleanly'),
    (e: unknown) => e,
  );
  assert.ok(SwitchyardError.isInstance(err));
  assert.equal(err.kind, 'timeout');
  assert.equal(err.midStream, true);
  assert.ok(text(seen).length > 0, 'content came before the stall');
  assert.equal(seen.at(-1)?.type === 'finish', false);
  assert.match(r.trail[0]!.message ?? '', /idle_timeout/);
  const health = h.store.getHealth(fingerprint(A));
  assert.equal(health?.last_failure_kind, 'timeout');
  assert.ok((health?.failures ?? 0) >= 1);
  assert.equal(health?.state, 'ok', 'a timeout is counted, never a cooldown');
  assert.equal(h.sim.calls(B), 0, 'no switch after the commit without resume');
});

test('resume: a cut text answer continues from the next route as one stream, each attempt billed its own tokens', async () => {
  await using h = await harness({
    scenario: { stream_delay: '2ms', keys: { [A]: { script: ['cut'] }, [B]: {} } },
    config: (u) => twoRoutes(u, { resume: true }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events = await collect(r.events);
  assert.equal(events.filter((e) => e.type === 'start').length, 1, 'one start: the caller sees one stream');
  const finish = events.at(-1);
  assert.equal(finish?.type, 'finish');
  const [cut, resumed] = r.trail;
  assert.equal(cut?.outcome, 'connection');
  assert.match(cut?.message ?? '', /resumed on two\/sim-small/);
  assert.equal(resumed?.outcome, 'ok');
  assert.equal(resumed?.resumed_from, 'one/sim-large');
  assert.ok(cut?.usage !== undefined && cut.usage.output_tokens > 0, 'the cut attempt is billed what it gave');
  assert.ok(resumed?.usage !== undefined && resumed.usage.output_tokens > 0);
  if (finish?.type === 'finish') {
    assert.equal(finish.usage?.output_tokens, cut!.usage!.output_tokens + resumed!.usage!.output_tokens);
  }
  // The continued request carried the text so far as the assistant's answer, then asked to go on.
  const sent = h.sim.log().find((c) => c.key === B);
  assert.deepEqual(sent?.roles.slice(-2), ['assistant', 'user']);
});

test('resume on an Anthropic route sends the text so far as an assistant prefill', async () => {
  await using h = await harness({
    scenario: { stream_delay: '2ms', keys: { [A]: { script: ['cut'] }, [B]: {} } },
    config: (u) => twoRoutes(u, { resume: true }, 'anthropic'),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events = await collect(r.events);
  assert.equal(events.at(-1)?.type, 'finish');
  const sent = h.sim.log().find((c) => c.key === B);
  assert.equal(sent?.roles.at(-1), 'assistant');
});

test('resume happens at most once: a second cut ends the stream with an error', async () => {
  await using h = await harness({
    scenario: { stream_delay: '2ms', keys: { [A]: { script: ['cut'] }, [B]: { script: ['cut'] } } },
    config: (u) => twoRoutes(u, { resume: true }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const err = await collect(r.events).then(
    () => assert.fail('a second cut must not end cleanly'),
    (e: unknown) => e,
  );
  assert.ok(SwitchyardError.isInstance(err));
  assert.equal(err.midStream, true);
  assert.equal(h.sim.calls(A) + h.sim.calls(B), 2);
});

test('resume leaves a cut tool call alone: it ends with an error as without resume', async () => {
  await using h = await harness({
    scenario: { stream_delay: '2ms', keys: { [A]: { script: ['cut'], cut_after: 2 }, [B]: {} } },
    config: (u) => twoRoutes(u, { resume: true }),
  });
  const r = await h.router.chat({
    messages: [{ role: 'user', content: 'call get_time' }],
    tools: [{ name: 'get_time', parameters: { type: 'object', properties: {} } }],
    tool_choice: { name: 'get_time' },
    stream: true,
  });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const err = await collect(r.events).then(
    () => assert.fail('a cut tool call must not end cleanly'),
    (e: unknown) => e,
  );
  assert.ok(SwitchyardError.isInstance(err));
  assert.equal(h.sim.calls(B), 0);
});

test('resume: the continuation goes on in the text block the cut left open, so the caller gets one well-formed block', async () => {
  for (const type of ['openai', 'anthropic'] as const) {
    await using h = await harness({
      scenario: { stream_delay: '2ms', keys: { [A]: { script: ['cut'] }, [B]: {} } },
      config: (u) => twoRoutes(u, { resume: true }, type),
    });
    const r = await h.router.chat({ messages: hello, stream: true });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    const events = await collect(r.events);
    assertBlocks(events);
    const starts = events.filter((e) => e.type === 'text_start');
    assert.equal(starts.length, 1, `${type}: one text block across the seam`);
    const id = starts[0]?.type === 'text_start' ? starts[0].id : '';
    assert.ok(
      events.every((e) => e.type !== 'text' || e.id === id),
      `${type}: every piece in the block the cut opened`,
    );
    assert.ok(r.trail[1]?.resumed_from, `${type}: the answer was resumed`);
  }
});

test('an upstream that reports no usage: its estimate is on the attempt when the loop ends, or when a caller that left returns', async () => {
  await using h = await harness({
    scenario: { keys: { [A]: { usage: 'omitted' } } },
    config: (u) => twoRoutes(u, {}),
  });
  const whole = await h.router.chat({ messages: hello, stream: true });
  assert.equal(whole.status, 'ok');
  if (whole.status !== 'ok') return;
  const events = await collect(whole.events);
  assert.equal(events.at(-1)?.type, 'finish');
  // Counted on the count worker while the loop waited for its end.
  const billed = whole.trail.at(-1)?.usage;
  assert.equal(billed?.estimated, true);
  assert.ok(billed.input_tokens > 0 && billed.output_tokens > 0, JSON.stringify(billed));

  const left = await h.router.chat({ messages: hello, stream: true });
  assert.equal(left.status, 'ok');
  if (left.status !== 'ok') return;
  for await (const e of left.events) if (e.type === 'text') break;
  const partial = left.trail.at(-1)?.usage;
  assert.equal(partial?.estimated, true);
  assert.ok(partial.input_tokens > 0, JSON.stringify(partial));
});
