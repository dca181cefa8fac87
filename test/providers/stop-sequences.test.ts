// The stop sequences an OpenAI-compatible upstream is not sent (beyond OpenAI's four), enforced on its answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitStops, stopAnswer, stopStream } from '../../src/providers/stop-sequences.ts';
import { toOpenAIRequest } from '../../src/providers/openai/request.ts';
import type { ChatResponse, StreamEvent } from '../../src/providers/types.ts';

const STOPS = ['a1', 'a2', 'a3', 'a4', 'END', 'STOP'];

test('the upstream is sent the first four; the rest are kept to enforce', () => {
  assert.deepEqual(splitStops(STOPS), { sent: ['a1', 'a2', 'a3', 'a4'], kept: ['END', 'STOP'] });
  assert.deepEqual(
    toOpenAIRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: STOPS }, { stream: false })['stop'],
    ['a1', 'a2', 'a3', 'a4'],
  );
  assert.deepEqual(splitStops(undefined), { sent: [], kept: [] });
});

test('a whole answer is cut at the earliest kept sequence, finishing stop_sequence and naming it; what followed is dropped', () => {
  const res: ChatResponse = {
    id: 'x',
    model: 'm',
    content: 'one STOP two END three',
    tool_calls: [{ id: 'c', name: 'f', arguments: '{}' }],
    finish_reason: 'tool_calls',
  };
  assert.deepEqual(stopAnswer(res, ['END', 'STOP']), {
    ...res,
    content: 'one ',
    tool_calls: [],
    finish_reason: 'stop_sequence',
    stop_sequence: 'STOP',
  });
  const none = { ...res, content: 'nothing here' };
  assert.equal(stopAnswer(none, ['END', 'STOP']), none);
});

async function collect(events: StreamEvent[], kept: string[]): Promise<StreamEvent[]> {
  async function* source(): AsyncGenerator<StreamEvent> {
    yield* events;
  }
  const out: StreamEvent[] = [];
  for await (const e of stopStream(source(), kept)) out.push(e);
  return out;
}

test('a stream holds back only what could begin a sequence, and ends at one split across deltas', async () => {
  const out = await collect(
    [
      { type: 'text', text: 'hello E' },
      { type: 'text', text: 'ND' },
      { type: 'text', text: ' never' },
      { type: 'finish', finish_reason: 'stop' },
    ],
    ['END'],
  );
  assert.deepEqual(out, [
    { type: 'text', text: 'hello ' },
    { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'END' },
  ]);
});

test('held text that turns out not to be a sequence is released, before the finish', async () => {
  const out = await collect(
    [
      { type: 'text', text: 'an E' },
      { type: 'text', text: 'ncore' },
      { type: 'text', text: ' S' },
      { type: 'finish', finish_reason: 'stop' },
    ],
    ['END', 'STOP'],
  );
  assert.deepEqual(out, [
    { type: 'text', text: 'an ' },
    { type: 'text', text: 'Encore' },
    { type: 'text', text: ' ' },
    { type: 'text', text: 'S' },
    { type: 'finish', finish_reason: 'stop' },
  ]);
});

test('a stream stopped here reads the upstream on for its usage (what the provider bills), dropping its text; closed after', async () => {
  const usage = { input_tokens: 6, output_tokens: 11 };
  let closed = false;
  async function* upstream(): AsyncGenerator<StreamEvent> {
    try {
      yield { type: 'text', text: 'alpha beta' };
      yield { type: 'text', text: ' gamma delta' };
      yield { type: 'finish', finish_reason: 'stop', usage };
    } finally {
      closed = true;
    }
  }
  const out: StreamEvent[] = [];
  for await (const e of stopStream(upstream(), ['beta gamma'])) out.push(e);
  assert.deepEqual(out, [
    { type: 'text', text: 'alpha ' },
    { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'beta gamma', usage },
  ]);
  assert.ok(closed, 'the upstream iterator is closed');
});

test('an upstream that goes on past the drain time: the finish comes without usage, at once, and the upstream is closed', async () => {
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (markClosed = r));
  async function* endless(): AsyncGenerator<StreamEvent> {
    try {
      yield { type: 'text', text: 'one STOP two' };
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        yield { type: 'text', text: ' more' };
      }
    } finally {
      markClosed();
    }
  }
  const out: StreamEvent[] = [];
  for await (const e of stopStream(endless(), ['STOP'], 30)) out.push(e);
  assert.deepEqual(out, [
    { type: 'text', text: 'one ' },
    { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'STOP' },
  ]);
  await closed; // once its pending delta has come, without this stream waiting for it
});

test('an upstream that stalls after the stop does not hold up the end of the stream', async () => {
  let release: () => void = () => {};
  async function* stalls(): AsyncGenerator<StreamEvent> {
    yield { type: 'text', text: 'one STOP' };
    await new Promise<void>((r) => (release = r));
  }
  const out: StreamEvent[] = [];
  // Before the fix this loop never ended: the upstream is only released after it.
  for await (const e of stopStream(stalls(), ['STOP'], 20)) out.push(e);
  release();
  assert.deepEqual(out.at(-1), { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'STOP' });
});

test('a stream stopped inside a text block ends that block before the finish; its pieces keep the block id', async () => {
  const out = await collect(
    [
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: 'one E', id: 'txt-0' },
      { type: 'text', text: 'ND two', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'finish', finish_reason: 'stop' },
    ],
    ['END'],
  );
  assert.deepEqual(out, [
    { type: 'text_start', id: 'txt-0' },
    { type: 'text', text: 'one ', id: 'txt-0' },
    { type: 'text_end', id: 'txt-0' },
    { type: 'finish', finish_reason: 'stop_sequence', stop_sequence: 'END' },
  ]);
  const held = await collect(
    [
      { type: 'text_start', id: 'txt-0' },
      { type: 'text', text: 'an E', id: 'txt-0' },
      { type: 'text_end', id: 'txt-0' },
      { type: 'finish', finish_reason: 'stop' },
    ],
    ['END'],
  );
  assert.deepEqual(held.slice(1, 4), [
    { type: 'text', text: 'an ', id: 'txt-0' },
    { type: 'text', text: 'E', id: 'txt-0' },
    { type: 'text_end', id: 'txt-0' },
  ]);
});
