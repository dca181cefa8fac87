// A call whose every route failed, for different reasons, is answered with a code that says so, not the lead route's
// (`all_keys_cooling` when one key was cooling and the rest answered 529, 503 and 500), and a chain of several routes is
// not told on every line to add yet another fallback route: each line advises what its own failure calls for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_RETRY, simProvider, startHarness } from './harness.ts';
import { callFailed, type RouteFailure } from '../../src/routing/errors.ts';
import { explained } from '../../src/errors/explanation.ts';
import { failureToApiError } from '../../src/gateway/answer/failure-map.ts';

const KEYS = {
  cooling: 'sk-mixed-cooling-0000001',
  overloaded: 'sk-mixed-overload-000002',
  unavailable: 'sk-mixed-unavail-0000003',
  server: 'sk-mixed-server-00000004',
};

interface ErrorBody {
  error: { message: string; code: string };
}

test('a four-route chain failing four ways answers all_routes_failed, its lines advising per kind, no more fallbacks', async () => {
  await using h = await startHarness({
    scenario: {
      keys: {
        [KEYS.cooling]: { script: ['429'], loop_script: true },
        [KEYS.overloaded]: { script: ['529'], loop_script: true },
        [KEYS.unavailable]: { script: ['503'], loop_script: true },
        [KEYS.server]: { script: ['500'], loop_script: true },
      },
    },
    config: (sim) => ({
      providers: {
        a: simProvider(sim, 'openai', KEYS.cooling),
        b: simProvider(sim, 'anthropic', KEYS.overloaded),
        c: simProvider(sim, 'openai', KEYS.unavailable),
        d: simProvider(sim, 'openai', KEYS.server),
      },
      main: { provider: 'a', model: 'sim-large' },
      auxiliary: {
        agent: {
          provider: 'a',
          model: 'sim-large',
          fallback_chain: ['b', 'c', 'd'].map((provider) => ({ provider, model: 'sim-large' })),
          fallback_to_main: false,
        },
      },
      retry: FAST_RETRY,
    }),
  });
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'agent', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as ErrorBody;
  assert.equal(res.status, 503, body.error.message);
  assert.equal(body.error.code, 'all_routes_failed', body.error.message);
  assert.ok(res.headers.get('retry-after'), 'the cooling key still says when to come back');
  const lines = body.error.message.split('\n');
  assert.equal(lines.length, 5, body.error.message);
  assert.doesNotMatch(body.error.message, /fallback route/, 'a chain of four is not told to add a fifth');
  assert.match(lines[2]!, /b\/sim-large is overloaded .*try again shortly$/);
  assert.match(lines[3]!, /c\/sim-large failed with a server error \(HTTP 503.*try again later$/);
  assert.match(lines[4]!, /d\/sim-large failed with a server error \(HTTP 500.*try again later$/);
});

test('every route cooling is still all_keys_cooling; one kind on every route keeps its own code', () => {
  const route = (name: string, kind: RouteFailure['kind']): RouteFailure => ({
    route: name,
    kind,
    ...explained({ headline: `${name} ${kind}`, advice: [] }),
  });
  const code = (...kinds: RouteFailure['kind'][]): string | undefined =>
    failureToApiError(
      callFailed(
        't',
        kinds.map((k, i) => route(`p${i}/m`, k)),
        [],
      ),
      false,
    ).code;
  assert.equal(code('rate_limited', 'all_cooling', 'quota'), 'all_keys_cooling');
  assert.equal(code('server', 'server'), 'upstream_server_error');
  assert.equal(code('all_cooling', 'server', 'breaker_open'), 'all_routes_failed');
  assert.equal(code('overloaded', 'timeout'), 'all_routes_failed');
  assert.equal(code('all_cooling'), 'all_keys_cooling', 'one route: its own code');
  assert.equal(code('bad_request', 'server'), 'upstream_bad_request', 'a request any provider refuses says so');
});
