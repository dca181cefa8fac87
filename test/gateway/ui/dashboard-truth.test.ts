// What the dashboard's views say is true, read from their data (`/ui/api/*` with the admin key) on a bad day: a
// provider whose breaker is open is not called "usable", a call that failed on both routes of its chain has a line
// per route and is not told to "add a fallback route", and a request refused before routing names no empty route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, FAST_RETRY, simProvider, startHarness } from '../harness.ts';
import { until } from '../../helpers/until.ts';

const GOOD = 'sk-truth-good-000000001';
const DOWN = 'sk-truth-down-000000002';
const BROKEN = 'sk-truth-broken-0000003';

interface KeysAnswer {
  providers: { provider: string; breaker: string; summary: string }[];
}
interface RequestsAnswer {
  rows: { id: string; task: string; status: string; route: string; route_note: string; charges: unknown[] }[];
}
interface TrailAnswer {
  trail: {
    routes?: { route: string; kind: string; text: string }[];
    explained?: { advice: { kind: string; text: string }[] };
  } | null;
}

test('the views say what is true: an open breaker, a line per failed route, advice that knows the chain, no empty route', async () => {
  await using h = await startHarness({
    scenario: {
      keys: {
        [GOOD]: {},
        [DOWN]: { script: ['500'], loop_script: true },
        [BROKEN]: { script: ['500'], loop_script: true },
      },
    },
    config: (sim) => ({
      providers: {
        mimo: simProvider(sim, 'openai', GOOD),
        down: simProvider(sim, 'openai', DOWN),
        broken: simProvider(sim, 'anthropic', BROKEN),
      },
      main: { provider: 'mimo', model: 'sim-large' },
      auxiliary: {
        agent: {
          provider: 'down',
          model: 'sim-large',
          fallback_chain: [{ provider: 'broken', model: 'sim-small' }],
          fallback_to_main: false,
        },
        once: { provider: 'mimo', model: 'sim-small' },
      },
      retry: FAST_RETRY,
      budgets: { once_daily: { task: 'once', requests: { day: 1 } } },
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
    }),
  });
  const chat = (model: string): Promise<Response> =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };

  // The first call fails on both routes (500 each); then their breakers open.
  assert.equal((await chat('agent')).status >= 500, true);
  for (let i = 0; i < 2; i++) await chat('agent');
  assert.equal((await chat('once')).status, 200);
  assert.equal((await chat('once')).status, 429, 'the second is over the task budget');

  const keys = await api<KeysAnswer>('/ui/api/keys');
  const down = keys.providers.find((p) => p.provider === 'down')!;
  assert.equal(down.breaker, 'open');
  assert.doesNotMatch(down.summary, /usable/, 'a provider whose breaker is open is not "usable"');
  assert.match(down.summary, /no request goes to down until \S+: its breaker is open/);
  const mimo = keys.providers.find((p) => p.provider === 'mimo')!;
  assert.match(mimo.summary, /first in order and usable/, 'a closed breaker leaves the summary as it was');

  // The ledger writes its rows in the background: every request's, five, before reading them.
  let rows: RequestsAnswer['rows'] = [];
  await until('the five requests in the ledger', async () => {
    rows = (await api<RequestsAnswer>('/ui/api/requests')).rows;
    return rows.length === 5;
  });
  const first = rows.filter((r) => r.task === 'agent').at(-1)!;
  const { trail } = await api<TrailAnswer>(`/ui/api/requests/${first.id}/trail`);
  assert.deepEqual(
    trail?.routes?.map((r) => [r.route, r.kind]),
    [
      ['down/sim-large', 'server'],
      ['broken/sim-small', 'server'],
    ],
    'a line per route, each naming its route',
  );
  for (const r of trail!.routes!) assert.match(r.text, /^failed with a server error/, 'the line names its route once');
  const advice = trail!.explained!.advice.map((a) => a.text);
  assert.ok(!advice.includes('add a fallback route'), `the chain has a fallback already: ${advice.join(' | ')}`);
  assert.ok(
    advice.some((a) => /add another fallback route/.test(a)),
    advice.join(' | '),
  );

  assert.equal(first.route, '');
  assert.match(first.route_note, /^none answered/);
  const refused = rows.find((r) => r.task === 'once' && r.status !== 'ok')!;
  assert.equal(refused.route_note, 'refused before routing: budget');
  assert.deepEqual(refused.charges, []);

  const usage = await api<{ daily: { by: string; series: { name: string }[] }[] }>('/ui/api/usage?days=1');
  const names = usage.daily.flatMap((d) => d.series.map((s) => s.name));
  assert.ok(!names.includes('(none)'), `no "(none)" series: ${names.join(', ')}`);
  assert.ok(names.includes('no route answered'), names.join(', '));
});
