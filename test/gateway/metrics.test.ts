// The ladder's counters on /metrics, counted from each request's record: a real gateway in front of the simulator
// meets a 429 and rotates, retries a 500, falls back from a route that keeps failing, and streams that are cut (not
// resumed, resumed on another route, and resumed nowhere). Each attempt is counted once, as the trail holds it, and
// each failed request gives up once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startHarness, simProvider, type Harness } from './harness.ts';
import type { RouteSeries } from '../../src/gateway/ui/route-rates.ts';
import { until } from '../helpers/until.ts';

const ROT_LIMITED = 'sk-sim-metrics-rot-limited1';
const ROT_OK = 'sk-sim-metrics-rot-ok-00002';
const FLAKY = 'sk-sim-metrics-flaky-000001';
const DOWN = 'sk-sim-metrics-down-0000001';
const GOOD = 'sk-sim-metrics-good-0000001';
const CUT = 'sk-sim-metrics-cut-00000001';
const CUT_RESUMED = 'sk-sim-metrics-cut-resumed1';
const CUT_STRANDED = 'sk-sim-metrics-cut-strand01';
const DOWN_TOO = 'sk-sim-metrics-down-too-001';

const CUTS = { script: ['cut'], loop_script: true, stream_delay: '5ms' };
const RETRY = { max_retries: 1, auth_retries: 0, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' };

async function metricsWorld(): Promise<Harness> {
  return startHarness({
    scenario: {
      keys: {
        [ROT_LIMITED]: { script: ['429'], reset: '1h' },
        [ROT_OK]: {},
        [FLAKY]: { script: ['500'] },
        [DOWN]: { script: ['503'], loop_script: true },
        [GOOD]: {},
        [CUT]: CUTS,
        [CUT_RESUMED]: CUTS,
        // Cut, then failing when the resume comes back to it, until its retry is spent.
        [CUT_STRANDED]: { script: ['cut', '503', '503'], stream_delay: '5ms' },
        [DOWN_TOO]: { script: ['503'], loop_script: true },
      },
    },
    config: (sim) => ({
      // The dashboard's API (its route rates) answers with an admin key; /metrics then asks for it too.
      gateway: { admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      providers: {
        rot: simProvider(sim, 'openai', [ROT_LIMITED, ROT_OK]),
        flaky: simProvider(sim, 'openai', FLAKY),
        down: simProvider(sim, 'openai', DOWN),
        good: simProvider(sim, 'openai', GOOD),
        cut: simProvider(sim, 'openai', CUT),
        cutres: simProvider(sim, 'openai', CUT_RESUMED),
        cutstr: simProvider(sim, 'openai', CUT_STRANDED),
        downtoo: simProvider(sim, 'openai', DOWN_TOO),
      },
      main: { provider: 'rot', model: 'sim-large' },
      auxiliary: {
        retries: { provider: 'flaky', model: 'sim-large', fallback_to_main: false },
        falls: {
          provider: 'down',
          model: 'sim-large',
          fallback_chain: [{ provider: 'good', model: 'sim-small' }],
          fallback_to_main: false,
        },
        cuts: { provider: 'cut', model: 'sim-large', fallback_to_main: false },
        resumed: {
          provider: 'cutres',
          model: 'sim-large',
          fallback_chain: [{ provider: 'good', model: 'sim-small' }],
          fallback_to_main: false,
          streaming: { resume: true },
        },
        stranded: {
          provider: 'cutstr',
          model: 'sim-large',
          fallback_chain: [{ provider: 'downtoo', model: 'sim-small' }],
          fallback_to_main: false,
          streaming: { resume: true },
        },
      },
      retry: RETRY,
    }),
  });
}

/** One request, read to its end (a stream's body holds its error event when it was cut). */
async function chat(h: Harness, model: string, stream = false): Promise<number> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'tell me something long' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Every sample of the exposition whose name starts with `prefix`, by name and labels as written. */
async function samples(h: Harness, prefix: string): Promise<Map<string, number>> {
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(res.status, 200);
  const text = await res.text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The dashboard's per-route rates over the last hour. */
async function routeRates(h: Harness): Promise<Map<string, RouteSeries>> {
  const res = await fetch(`${h.url}/ui/api/usage?days=1`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(res.status, 200);
  const { rates } = (await res.json()) as { rates: RouteSeries[] };
  return new Map(rates.map((s) => [s.route, s]));
}

const sum = (ns: readonly number[]): number => ns.reduce((a, b) => a + b, 0);

/** The requests the metrics have read so far. */
async function requestsCounted(h: Harness): Promise<number> {
  let n = 0;
  for (const v of (await samples(h, 'switchyard_gateway_requests_total')).values()) n += v;
  return n;
}

test('metrics and route rates: each attempt, retry, rotation, cooldown, fallback and give-up counted once, from the record', async () => {
  await using h = await metricsWorld();
  assert.equal(await chat(h, 'main'), 200);
  assert.equal(await chat(h, 'retries'), 200);
  assert.equal(await chat(h, 'falls'), 200);
  assert.equal(await chat(h, 'cuts', true), 200);
  assert.equal(await chat(h, 'resumed', true), 200);
  assert.equal(await chat(h, 'stranded', true), 200);
  // A stream's record is read once its events are closed, which can come after its caller has read the end.
  await until('the six requests counted', async () => (await requestsCounted(h)) === 6);

  const attempts = await samples(h, 'switchyard_attempts_total');
  assert.deepEqual(Object.fromEntries(attempts), {
    // The 429 on the first key, then the second key's answer.
    'switchyard_attempts_total{provider="rot",outcome="rate_limited"}': 1,
    'switchyard_attempts_total{provider="rot",outcome="ok"}': 1,
    'switchyard_attempts_total{provider="flaky",outcome="server"}': 1,
    'switchyard_attempts_total{provider="flaky",outcome="ok"}': 1,
    // Sent, retried once, then the chain falls back; the same on each route the stranded stream's resume tried.
    'switchyard_attempts_total{provider="down",outcome="server"}': 2,
    'switchyard_attempts_total{provider="downtoo",outcome="server"}': 2,
    'switchyard_attempts_total{provider="cutstr",outcome="server"}': 2,
    // The fallback's answer and the resumed rest of a cut stream.
    'switchyard_attempts_total{provider="good",outcome="ok"}': 2,
    // Each cut stream is one attempt, with how it broke: not an `ok` when it began and a failure again when it broke.
    'switchyard_attempts_total{provider="cut",outcome="connection"}': 1,
    'switchyard_attempts_total{provider="cutres",outcome="connection"}': 1,
    'switchyard_attempts_total{provider="cutstr",outcome="connection"}': 1,
  });
  // Every attempt here reached its provider: each has one latency.
  const latencies = await samples(h, 'switchyard_upstream_latency_seconds_count');
  for (const [provider, n] of [
    ['rot', 2],
    ['flaky', 2],
    ['down', 2],
    ['downtoo', 2],
    ['good', 2],
    ['cut', 1],
    ['cutres', 1],
    ['cutstr', 3],
  ] as const)
    assert.equal(latencies.get(`switchyard_upstream_latency_seconds_count{provider="${provider}"}`), n, provider);

  assert.deepEqual(Object.fromEntries(await samples(h, 'switchyard_retries_total')), {
    'switchyard_retries_total{provider="flaky",kind="server"}': 1,
    'switchyard_retries_total{provider="down",kind="server"}': 1,
    'switchyard_retries_total{provider="downtoo",kind="server"}': 1,
    'switchyard_retries_total{provider="cutstr",kind="server"}': 1,
  });
  assert.deepEqual(Object.fromEntries(await samples(h, 'switchyard_rotations_total')), {
    'switchyard_rotations_total{provider="rot",kind="rate_limited"}': 1,
  });
  assert.deepEqual(Object.fromEntries(await samples(h, 'switchyard_cooldowns_total')), {
    'switchyard_cooldowns_total{provider="rot",reason="rate_limited"}': 1,
  });
  assert.deepEqual(Object.fromEntries(await samples(h, 'switchyard_fallbacks_total')), {
    'switchyard_fallbacks_total{task="falls",kind="server"}': 1,
    // The stranded stream's resume, from the route after the cut one back to the cut one.
    'switchyard_fallbacks_total{task="stranded",kind="server"}': 1,
  });
  // The stranded stream's resume found no route: its chain gave up, then the stream did, as the caller was told; one
  // request failed.
  assert.deepEqual(Object.fromEntries(await samples(h, 'switchyard_give_ups_total')), {
    'switchyard_give_ups_total{task="cuts",kind="connection"}': 1,
    'switchyard_give_ups_total{task="stranded",kind="connection"}': 1,
  });

  // The dashboard's route rates read the same records: a cut stream's one attempt, which did not succeed.
  const rates = await routeRates(h);
  const cut = rates.get('cut/sim-large')!;
  assert.equal(sum(cut.attempts), 1);
  assert.deepEqual(
    cut.success.filter((v) => v !== null),
    [0],
  );
  assert.equal(sum(rates.get('rot/sim-large')!.attempts), 2);
  assert.deepEqual(
    rates.get('rot/sim-large')!.rotation.filter((v) => v !== null),
    [0.5],
  );
});
