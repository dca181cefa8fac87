// A stream cut after its first content fails with an explanation value like every other failure: the error's
// `explained`, its one route failure's, and its CLI words all come from that one value. Asserts values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { cliLine } from '../../src/errors/explanation.ts';
import { FAST_RETRY, harness, hello } from './helpers.ts';

const A = 'sk-midstream-value-0001';

test('a mid-stream cut carries its explanation as a value: ask again, and why it was not switched', async () => {
  await using h = await harness({
    scenario: { stream_delay: '15ms', keys: { [A]: { script: ['cut'] } } },
    config: (u) => ({
      providers: { one: { type: 'openai', base_url: u.openai, api_key: A } },
      main: { provider: 'one', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  const r = await h.router.chat({ messages: hello, stream: true });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  let caught: unknown;
  try {
    for await (const _e of r.events);
  } catch (err) {
    caught = err;
  }
  assert.ok(SwitchyardError.isInstance(caught), String(caught));
  assert.equal(caught.midStream, true);
  const value = caught.explained;
  assert.ok(value !== undefined, 'the cut has a value');
  assert.deepEqual(value.advice, [{ kind: 'retry_later', when: 'again' }]);
  assert.ok(value.detail !== undefined, 'it says why it was not carried on elsewhere');
  assert.equal(caught.failures.length, 1);
  assert.equal(caught.failures[0]?.explained, value);
  assert.equal(caught.failures[0]?.kind, caught.kind);
  assert.equal(caught.explanation, `${caught.task}: ${cliLine(value)}`);
});
