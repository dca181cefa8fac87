// The dashboard's per-route rates, fed the call records of a real ladder: every rate is a fraction of the whole it
// names (success and rotation of the attempts sent, fallback of the requests that left the route), so none passes 100 %
// when the route's keys all cool or its breaker is open and it passes every request on without sending one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteRates, type RouteSeries } from '../../../src/gateway/ui/route-rates.ts';
import type { CallRecord } from '../../../src/calls/types.ts';
import { closedPort, FAST_RETRY, harness, hello } from '../../routing/helpers.ts';
import { droppingUpstream, pooled } from '../../helpers/dropping-upstream.ts';

const GOOD = 'sk-good-0000000001';
const OTHER = 'sk-other-000000002';

/** The rates' clock held in one minute: a test's requests, slow on a loaded machine, never straddle two buckets. */
const oneMinute = (): number => Date.UTC(2026, 10, 25, 12, 0, 30);

function assertFractions(series: RouteSeries[]): void {
  for (const s of series)
    for (const rate of ['success', 'rotation', 'fallback'] as const)
      for (const v of s[rate]) if (v !== null) assert.ok(v >= 0 && v <= 1, `${s.route} ${rate} ${v} is not a fraction`);
}

/** What the gateway's dashboard reader gives the rates of a request's record, from a library call's. */
function rated(rates: RouteRates): (r: CallRecord) => void {
  return (r) => rates.recorded(r.trail, r.decisions, r.answered?.route);
}

function last(series: RouteSeries[], route: string): { fallback: number | null; left: number; attempts: number } {
  const s = series.find((x) => x.route === route);
  assert.ok(s, `a series for ${route}`);
  return { fallback: s.fallback.at(-1)!, left: s.left.at(-1)!, attempts: s.attempts.at(-1)! };
}

test('every key of the main route cooling: its fallback rate is 100 % of the requests it passed on, not more', async () => {
  const rates = new RouteRates(oneMinute);
  await using h = await harness({
    scenario: { keys: { [GOOD]: { rate_limit_after: 0, reset: '60s' }, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        main: { type: 'openai', base_url: u.openai, api_key: GOOD },
        spare: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'main', model: 'sim-large' },
      fallback: [{ provider: 'spare', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
  for (let i = 0; i < 6; i++)
    assert.equal((await h.router.chat({ messages: hello, onRecord: rated(rates) })).status, 'ok');
  const series = rates.series();
  assertFractions(series);
  const main = last(series, 'main/sim-large');
  assert.equal(main.left, 6, 'six requests left the main route');
  assert.equal(main.fallback, 1);
  assert.equal(main.attempts, 1, 'only the first request was sent before the key cooled');
  assert.equal(last(series, 'spare/sim-large').fallback, 0);
});

test('an open breaker: the route sends nothing and its fallback rate stays a fraction', async () => {
  const rates = new RouteRates(oneMinute);
  const port = await closedPort();
  await using h = await harness({
    scenario: { keys: { [OTHER]: {} } },
    config: (u) => ({
      providers: {
        down: { type: 'openai', base_url: `http://127.0.0.1:${port}/v1`, api_key: GOOD },
        up: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'down', model: 'm' },
      fallback: [{ provider: 'up', model: 'sim-large' }],
      retry: { ...FAST_RETRY, max_retries: 5 },
    }),
    router: { breaker: { threshold: 2, pauseMs: 60_000 } },
  });
  for (let i = 0; i < 5; i++)
    assert.equal((await h.router.chat({ messages: hello, onRecord: rated(rates) })).status, 'ok');
  const series = rates.series();
  assertFractions(series);
  const down = last(series, 'down/m');
  assert.deepEqual([down.left, down.fallback, down.attempts], [5, 1, 2]);
  const s = series.find((x) => x.route === 'down/m')!;
  assert.equal(s.success.at(-1), 0, 'of the two attempts sent, none answered');
});

test('a pooled connection gone stale, sent again on a fresh one, is not a failed attempt of the route', async () => {
  const rates = new RouteRates(oneMinute);
  await using up = await droppingUpstream();
  await using h = await harness({
    scenario: {},
    config: () => ({
      providers: { main: { type: 'openai', base_url: up.baseUrl, api_key: GOOD } },
      main: { provider: 'main', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
  });
  assert.equal((await h.router.chat({ messages: hello, onRecord: rated(rates) })).status, 'ok');
  await pooled();
  up.drop = 'reused';
  const r = await h.router.chat({ messages: hello, onRecord: rated(rates) });
  assert.deepEqual(
    r.trail.map((a) => a.outcome),
    ['stale_connection', 'ok'],
  );
  const s = rates.series().find((x) => x.route === 'main/sim-large');
  assert.ok(s);
  assert.equal(s.attempts.at(-1), 2, 'the two answered attempts');
  assert.equal(s.success.at(-1), 1);
});
