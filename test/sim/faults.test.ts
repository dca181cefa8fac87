// Transport faults (resets, hangs, cuts, stalls, errors inside a 200 stream) and the rate-limit window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '../helpers/until.ts';
import { withSim, openai, anthropic, readUntilFailure, parseSse, parseJson, userMessage } from './client.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';

const ask = { model: 'sim-large', max_tokens: 64, messages: [userMessage('tell me a few words please')] };

const openAiStream = (
  sim: RunningSimulator,
  key: string,
  signal?: AbortSignal,
  onReceived?: (received: string) => void,
) =>
  readUntilFailure(
    `${sim.url}/v1/chat/completions`,
    { authorization: `Bearer ${key}` },
    { ...ask, stream: true },
    signal,
    onReceived,
  );
const anthropicStream = (sim: RunningSimulator, key: string, signal?: AbortSignal) =>
  readUntilFailure(
    `${sim.url}/v1/messages`,
    { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    { ...ask, stream: true },
    signal,
  );

/** The complete SSE events in a possibly cut-off body. */
const completeEvents = (text: string) => parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));

/** A client's own timeout, started by the test once the simulator has done its part: a busy machine may take longer
 * than the timeout to deliver a request or its first events, which says nothing of the simulator. */
function clientTimeout(ms: number): { signal: AbortSignal; start(): void } {
  const controller = new AbortController();
  let started = false;
  return {
    signal: controller.signal,
    start() {
      if (started) return;
      started = true;
      setTimeout(() => controller.abort(new DOMException(`no answer within ${ms}ms`, 'TimeoutError')), ms).unref();
    },
  };
}

test('reset destroys the connection without a response, and is counted', async () => {
  await withSim({ keys: { k: { script: ['reset', 'reset'] } } }, async (sim) => {
    await assert.rejects(openai(sim, 'k', ask));
    await assert.rejects(anthropic(sim, 'k', ask));
    assert.deepEqual(
      sim.log().map((c) => [c.outcome, c.status]),
      [
        ['reset', 0],
        ['reset', 0],
      ],
    );
  });
});

test("timeout never answers: the client's own timeout fires; close() still returns", async () => {
  await withSim({ keys: { k: { script: ['timeout'] } } }, async (sim) => {
    const timeout = clientTimeout(200);
    const call = openai(sim, 'k', ask, { signal: timeout.signal });
    await until('the simulator to have the call', () => sim.calls('k') === 1);
    timeout.start();
    await assert.rejects(call, { name: 'TimeoutError' });
    assert.equal(sim.calls('k'), 1);
    assert.equal(sim.log()[0]?.outcome, 'timeout');
  });
  // A hung call still open when the simulator closes must not keep close() waiting; the client sees the drop.
  let hung: Promise<unknown> = Promise.resolve();
  await withSim({ keys: { k: { script: ['timeout'] } } }, async (sim) => {
    hung = openai(sim, 'k', ask).then(
      () => 'answered',
      (err: unknown) => err,
    );
    await until('the simulator to have the call', () => sim.calls() === 1);
  });
  assert.ok((await hung) instanceof Error);
});

test('cut: a stream sends some content, then the connection dies with no terminal event', async () => {
  await withSim({ keys: { k: { script: ['cut', 'cut'] } } }, async (sim) => {
    const o = await openAiStream(sim, 'k');
    assert.equal(o.status, 200);
    assert.ok(o.error, 'the body read fails');
    const oEvents = completeEvents(o.received);
    assert.ok(
      oEvents.some((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices[0]?.delta?.content),
      'some content arrived',
    );
    assert.ok(!o.received.includes('[DONE]'));
    assert.ok(!o.received.includes('finish_reason":"stop'));

    const a = await anthropicStream(sim, 'k');
    assert.ok(a.error);
    const names = completeEvents(a.received).map((e) => e.event);
    assert.ok(names.includes('content_block_delta'));
    assert.ok(!names.includes('message_stop') && !names.includes('message_delta'));
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['cut', 'cut'],
    );
  });
});

test('cut without streaming: half a JSON body, then the connection dies', async () => {
  await withSim({ keys: { k: { script: ['cut'] } } }, async (sim) => {
    const r = await readUntilFailure(`${sim.url}/v1/chat/completions`, { authorization: 'Bearer k' }, ask);
    assert.equal(r.status, 200);
    assert.ok(r.error);
    assert.throws(() => JSON.parse(r.received));
  });
});

// Bounded: a simulator that never sends the content would never start the client's timeout.
test(
  'stall: a stream sends some content, then goes silent until the client gives up',
  { timeout: 30_000 },
  async () => {
    await withSim({ keys: { k: { script: ['stall'] } } }, async (sim) => {
      // The client gives up 300 ms after the content has come.
      const timeout = clientTimeout(300);
      const r = await openAiStream(sim, 'k', timeout.signal, (received) => {
        if (completeEvents(received).length >= 2) timeout.start();
      });
      assert.equal(r.status, 200);
      assert.equal(r.error?.name, 'TimeoutError');
      assert.ok(completeEvents(r.received).length >= 2);
      assert.ok(!r.received.includes('[DONE]'));
    });
  },
);

test("stream_error: content, then an error event inside the 200 stream, in each API's format", async () => {
  await withSim({ keys: { k: { script: ['stream_error', 'stream_error'] } } }, async (sim) => {
    const o = await openAiStream(sim, 'k');
    assert.equal(o.status, 200);
    assert.equal(o.error, undefined, 'the stream ends cleanly at the transport level');
    const oEvents = parseSse(o.received);
    const last = JSON.parse(oEvents.at(-1)!.data) as { error: { type: string; message: string } };
    assert.equal(last.error.type, 'server_error');
    assert.match(last.error.message, /overloaded/);
    assert.ok(oEvents.slice(0, -1).some((e) => JSON.parse(e.data).choices[0]?.delta?.content));
    assert.ok(!o.received.includes('[DONE]'));

    const a = await anthropicStream(sim, 'k');
    const aEvents = parseSse(a.received);
    assert.equal(aEvents.at(-1)?.event, 'error');
    assert.deepEqual(JSON.parse(aEvents.at(-1)!.data), {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    assert.ok(aEvents.some((e) => e.event === 'content_block_delta'));
    assert.ok(!aEvents.some((e) => e.event === 'message_stop'));
  });
});

test('stream_error_first: the error event comes before any content delta', async () => {
  await withSim({ keys: { k: { script: ['stream_error_first', 'stream_error_first'] } } }, async (sim) => {
    const oEvents = parseSse((await openAiStream(sim, 'k')).received);
    assert.ok(!oEvents.some((e) => !e.data.includes('"error"') && JSON.parse(e.data).choices[0]?.delta?.content));
    assert.ok('error' in JSON.parse(oEvents.at(-1)!.data));
    const aEvents = parseSse((await anthropicStream(sim, 'k')).received);
    assert.deepEqual(
      aEvents.map((e) => e.event),
      ['message_start', 'content_block_start', 'ping', 'error'],
    );
  });
});

test('stream_error without streaming is a 200 whose body is an error object', async () => {
  await withSim({ keys: { k: { script: ['stream_error', 'stream_error'] } } }, async (sim) => {
    const o = await openai(sim, 'k', ask);
    assert.equal(o.status, 200);
    assert.equal((parseJson(o.text)['error'] as Record<string, unknown>)['type'], 'server_error');
    const a = await anthropic(sim, 'k', ask);
    assert.equal(a.status, 200);
    assert.equal(parseJson(a.text)['type'], 'error');
  });
});

test('rate_limit_after: N calls pass, then 429 with the configured reset headers until the window closes', async () => {
  const key = {
    rate_limit_after: 2,
    reset: '30s',
    reset_headers: [
      'retry-after',
      'retry-after-ms',
      'x-ratelimit-reset-requests',
      'anthropic-ratelimit-requests-reset',
    ],
  } as const;
  await withSim({ keys: { k: { ...key, reset_headers: [...key.reset_headers] } } }, async (sim) => {
    const first = await openai(sim, 'k', ask);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.equal((await openai(sim, 'k', ask)).status, 200);
    for (const r of [await openai(sim, 'k', ask), await anthropic(sim, 'k', ask)]) {
      assert.equal(r.status, 429);
      const seconds = Number(r.headers.get('retry-after'));
      assert.ok(seconds >= 1 && seconds <= 30, `retry-after ${seconds}`);
      const ms = Number(r.headers.get('retry-after-ms'));
      assert.ok(ms > 0 && ms <= 30_000, `retry-after-ms ${ms}`);
      assert.match(r.headers.get('x-ratelimit-reset-requests') ?? '', /^\d+(\.\d+)?s$/);
      assert.ok(Date.parse(r.headers.get('anthropic-ratelimit-requests-reset') ?? '') > Date.now());
      assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    }
    assert.deepEqual(
      sim.log().map((c) => c.outcome),
      ['ok', 'ok', 'rate_limited', 'rate_limited'],
    );
    sim.reset();
    assert.equal((await openai(sim, 'k', ask)).status, 200, 'reset() clears the window');
  });
});

test('the rate-limit window reopens once `reset` has passed; retry-after can be an HTTP date', async () => {
  await withSim(
    { keys: { k: { rate_limit_after: 1, reset: '500ms', reset_headers: ['retry-after-date'] } } },
    async (sim) => {
      // Sent together: two calls in turn may be further apart than the window on a busy machine.
      const both = await Promise.all([openai(sim, 'k', ask), openai(sim, 'k', ask)]);
      assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
      const limited = both.find((r) => r.status === 429)!;
      assert.ok(!Number.isNaN(Date.parse(limited.headers.get('retry-after') ?? '')), 'an HTTP date');
      await sleep(600);
      assert.equal((await openai(sim, 'k', ask)).status, 200);
    },
  );
});

test("a scripted 429 carries the key's reset headers for its full reset time", async () => {
  await withSim(
    { keys: { k: { script: [429], reset: '90s', reset_headers: ['retry-after', 'x-ratelimit-reset-requests'] } } },
    async (sim) => {
      const r = await openai(sim, 'k', ask);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '90');
      assert.equal(r.headers.get('x-ratelimit-reset-requests'), '1m30s');
    },
  );
});

test('scripts run in order then fall back to the default; loop_script repeats them', async () => {
  await withSim(
    { keys: { once: { script: [401, 401, 'ok'] }, loop: { script: [500, 'ok'], loop_script: true } } },
    async (sim) => {
      const once = [];
      for (let i = 0; i < 5; i++) once.push((await openai(sim, 'once', ask)).status);
      assert.deepEqual(once, [401, 401, 200, 200, 200]);
      const loop = [];
      for (let i = 0; i < 5; i++) loop.push((await openai(sim, 'loop', ask)).status);
      assert.deepEqual(loop, [500, 200, 500, 200, 500]);
    },
  );
});

test('latency and stream_delay slow answers down without changing them', async () => {
  await withSim({ latency: '20ms', stream_delay: '5ms', keys: { k: {} } }, async (sim) => {
    const r = await openai(sim, 'k', { ...ask, stream: true });
    assert.equal(r.status, 200);
    assert.ok(r.text.endsWith('data: [DONE]\n\n'));
  });
});
