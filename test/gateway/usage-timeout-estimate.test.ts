// An attempt our own timeout abandoned while the upstream said nothing is billed its prompt, estimated (docs/usage.md):
// counted on the count worker after the fallback has answered, its request's row waits for the count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider } from './harness.ts';
import { until } from '../helpers/until.ts';

const SLOW = 'sk-sim-timeout-est-001';
const OK = 'sk-sim-timeout-est-002';

type Harness = Awaited<ReturnType<typeof startHarness>>;

/** A chat request to the gateway with this body. */
const chat = (h: Harness, body: object): Promise<Response> =>
  fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The ledger's one row, once it is written. */
async function onlyRow(h: Harness) {
  const ledger = h.gw.app.gateway.usage!;
  await until('the request’s row', async () => (await ledger.requests({ limit: 1 })).rows.length === 1);
  return (await ledger.requests({ limit: 1 })).rows[0]!;
}

test('a timed-out attempt then a fallback: the answer comes, and the row bills the timed-out prompt, estimated', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [SLOW]: { latency: '30s' }, [OK]: {} } },
    config: (sim) => ({
      providers: {
        slow: simProvider(sim, 'openai', SLOW, { timeout: '300ms' }),
        ok: simProvider(sim, 'openai', OK),
      },
      main: { provider: 'slow', model: 'sim-large' },
      fallback: [{ provider: 'ok', model: 'sim-large' }],
      retry: { max_retries: 0, base_delay: '1ms', max_delay: '1ms', max_wait: '1ms' },
    }),
  });
  const res = await chat(h, { model: 'main', messages: [{ role: 'user', content: 'Please time out first' }] });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('x-switchyard-credential') ?? '', /.+/);
  await res.text();
  const row = await onlyRow(h);
  assert.deepEqual(
    row.charges.map((c) => [c.route, c.outcome, c.estimated]),
    [
      ['slow/sim-large', 'timeout', true],
      ['ok/sim-large', 'ok', false],
    ],
  );
  assert.ok(row.charges[0]!.input_tokens > 0, JSON.stringify(row.charges[0]));
  assert.equal(row.estimated, true);
});

test('a stream whose only route timed out before answering: the error comes, and the row bills the prompt, estimated', async () => {
  await using h = await startHarness({
    scenario: { models: { 'sim-large': {} }, keys: { [SLOW]: { latency: '30s' } } },
    config: (sim) => ({
      providers: { slow: simProvider(sim, 'openai', SLOW, { timeout: '300ms' }) },
      main: { provider: 'slow', model: 'sim-large' },
      retry: { max_retries: 0, base_delay: '1ms', max_delay: '1ms', max_wait: '1ms' },
    }),
  });
  const res = await chat(h, { model: 'main', stream: true, messages: [{ role: 'user', content: 'Please time out' }] });
  await res.text();
  const row = await onlyRow(h);
  assert.deepEqual(
    row.charges.map((c) => [c.route, c.outcome, c.estimated]),
    [['slow/sim-large', 'timeout', true]],
  );
  assert.ok(row.charges[0]!.input_tokens > 0, JSON.stringify(row.charges[0]));
});
