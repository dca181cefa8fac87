// A committed stream that breaks is heard by the circuit breaker by the same rule as a failed attempt of the
// ladder (policy.ts breakerHears): an error the provider sent inside the stream proves it up, a cut counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../src/routing/errors.ts';
import type { StreamEvent } from '../../src/providers/types.ts';
import { failure, harness, hello } from './helpers.ts';

const A = 'sk-stream-breaker-0001';

/** One provider, one key answering the scripted steps in order; a breaker that opens after two counted failures. */
async function twoStrikes(script: string[]) {
  return harness({
    // Pauses between stream events, so the held stream is still mid-way while the other calls run.
    scenario: { stream_delay: '5ms', keys: { [A]: { script } } },
    config: (u) => ({
      providers: { one: { type: 'openai', base_url: u.openai, api_key: A } },
      main: { provider: 'one', model: 'sim-large' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '1ms', max_wait: '1ms' },
    }),
    router: { breaker: { threshold: 2, pauseMs: 60_000 } },
  });
}

/** Reads the rest of a stream and returns how it broke. */
async function brokenBy(events: AsyncIterator<StreamEvent>): Promise<SwitchyardError> {
  try {
    for (;;) if ((await events.next()).done === true) break;
  } catch (err) {
    if (SwitchyardError.isInstance(err)) return err;
    throw err;
  }
  assert.fail('expected the stream to break');
}

test('an error event inside a committed stream proves the provider up: it ends the streak as a 4xx would', async () => {
  await using h = await twoStrikes(['stream_error', '500', '500']);
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const events = r.events[Symbol.asyncIterator]();
  assert.equal((await events.next()).done, false, 'the stream is committed');
  assert.equal((await failure(h.router.chat({ messages: hello }))).kind, 'server');
  assert.equal(h.router.breakers.state('one'), 'closed', 'one server failure of two');
  const broken = await brokenBy(events);
  assert.equal(broken.kind, 'overloaded');
  assert.equal(broken.midStream, true);
  assert.equal((await failure(h.router.chat({ messages: hello }))).kind, 'server');
  assert.equal(
    h.router.breakers.state('one'),
    'closed',
    'the overloaded event between the two server failures was an answer: the streak started again',
  );
});

test('a committed stream cut mid-way counts towards the breaker like a dropped connection of the ladder', async () => {
  await using h = await twoStrikes(['cut', '500']);
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const broken = await brokenBy(r.events[Symbol.asyncIterator]());
  assert.equal(broken.kind, 'connection');
  assert.equal((await failure(h.router.chat({ messages: hello }))).kind, 'server');
  assert.equal(h.router.breakers.state('one'), 'open', 'the cut and the server failure are two in a row');
});
