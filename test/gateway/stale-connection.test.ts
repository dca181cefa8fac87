// The gateway in front of an upstream that closes a pooled connection just as a request goes out on it (the keep-alive
// race, met every time by test/helpers/dropping-upstream.ts): with no retries configured, the client still gets its
// 200, and the request's log line says the first attempt's connection was stale and the second went on a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, simProvider } from './harness.ts';
import { droppingUpstream, pooled } from '../helpers/dropping-upstream.ts';
import { until } from '../helpers/until.ts';

interface LoggedAttempt {
  outcome: string;
  note?: string;
}

test('a pooled connection reset as the request goes out: 200, and the log line says it was sent again on a fresh connection', async () => {
  await using up = await droppingUpstream();
  await using h = await startHarness({
    scenario: {},
    config: () => ({
      providers: { up: simProvider(up.baseUrl.replace(/\/v1$/, ''), 'openai', 'sk-stale-gateway-0001') },
      main: { provider: 'up', model: 'gpt-4o' },
      retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' },
    }),
  });
  const ask = (): Promise<Response> =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
    });
  const first = await ask();
  await first.arrayBuffer();
  assert.equal(first.status, 200);
  await pooled();
  up.drop = 'reused';
  const res = await ask();
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.choices[0]?.message.content, 'fresh answer');
  const requestLines = (): string[] => h.logs.filter((l) => l.includes('"msg":"request"'));
  await until('the second request line', () => requestLines().length === 2);
  const line = JSON.parse(requestLines()[1]!) as { status: number; upstream: LoggedAttempt[] };
  assert.equal(line.status, 200);
  assert.deepEqual(
    line.upstream.map((a) => [a.outcome, a.note]),
    [
      ['stale_connection', undefined],
      ['ok', 'sent again on a fresh connection'],
    ],
  );
  assert.deepEqual(
    up.seen.slice(1).map((s) => [s.reused, s.dropped]),
    [
      [true, true],
      [false, false],
    ],
  );
});
