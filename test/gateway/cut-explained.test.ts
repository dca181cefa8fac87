// A stream cut after its first content carries its explanation as a value like every other failure: the library's
// error, the gateway's error event (rendered with the gateway's commands) and the dashboard's trail all say the same
// advice. Asserts values, not wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, simProvider, startHarness } from './harness.ts';
import { gatewayLine } from '../../src/errors/explanation.ts';
import { explainMidStream } from '../../src/errors/messages.ts';

const CUT = 'sk-sim-cut-explained-0001';

test("a cut stream's error event and the dashboard's trail carry the mid-stream explanation's advice", async () => {
  await using h = await startHarness({
    scenario: { keys: { [CUT]: { script: ['cut'], loop_script: true, stream_delay: '5ms' } } },
    config: (sim) => ({
      providers: { cut: simProvider(sim, 'openai', CUT) },
      main: { provider: 'cut', model: 'sim-large' },
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  const r = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200);
  const id = r.headers.get('x-request-id');
  assert.ok(id);
  const sse = await r.text();
  const errors = sse
    .split('\n')
    .filter((l) => l.startsWith('data: {') && l.includes('"error"'))
    .map((l) => (JSON.parse(l.slice(6)) as { error: { message: string } }).error.message);
  assert.equal(errors.length, 1, sse);
  const value = explainMidStream({ route: 'cut/sim-large', kind: 'connection', said: 'x' });
  assert.deepEqual(value.advice, [{ kind: 'retry_later', when: 'again' }]);
  assert.ok(errors[0]!.startsWith('main: '), errors[0]);
  assert.ok(errors[0]!.endsWith(gatewayLine({ headline: '', advice: value.advice }).slice(' — '.length)), errors[0]);

  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  type Trail = { explained?: { headline: string; advice: { kind: string }[] } } | null;
  let trail: Trail = null;
  // The request's entry is written as its stream settles.
  for (let i = 0; i < 50 && trail?.explained === undefined; i++) {
    const body = (await (await fetch(`${h.url}/ui/api/requests/${id}/trail`, { headers: auth })).json()) as {
      trail: Trail;
    };
    trail = body.trail;
    if (trail?.explained === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(
    trail?.explained?.advice.map((a) => a.kind),
    ['retry_later'],
    JSON.stringify(trail),
  );
});
