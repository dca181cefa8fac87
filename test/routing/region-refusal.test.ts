// A provider refusing the region a request comes from, as the library's caller sees it: the route the caller named
// ends the call with a SwitchyardError that says `blocked: 'region'`, whose cause is a RegionRefusedError (not a
// ModelNotFoundError), and no message says "not found". On the main chain the next route answers, and the trail says
// what refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { ModelNotFoundError, RegionRefusedError, UpstreamError } from '../../src/errors/upstream-error.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { FAST_RETRY, harness, hello } from './helpers.ts';

const REFUSED = 'sk-lib-region-000000001';
const OTHER = 'sk-lib-region-fallback-2';

function world(): ReturnType<typeof harness> {
  return harness({
    scenario: { keys: { [REFUSED]: { script: ['403_region'], loop_script: true }, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        oa: { type: 'openai', base_url: u.openai, api_key: REFUSED },
        other: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'oa', model: 'sim-large' },
      fallback: [{ provider: 'other', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
}

test('a named route refused for its region: SwitchyardError blocked region, cause RegionRefusedError, never "not found"', async () => {
  await using h = await world();
  await assert.rejects(
    h.router.chat({ messages: hello, route: { provider: 'oa', model: 'sim-large' } }),
    (err: unknown) => {
      assert.ok(SwitchyardError.isInstance(err));
      assert.equal(err.kind, 'not_found');
      assert.equal(err.blocked, 'region');
      assert.ok(RegionRefusedError.isInstance(err.cause));
      assert.ok(UpstreamError.isInstance(err.cause));
      assert.ok(!ModelNotFoundError.isInstance(err.cause));
      assert.match(err.cause.message, /^oa: region refused \(HTTP 403\): Country, region, or territory not supported$/);
      assert.match(
        err.message,
        /does not serve the country or region this request comes from.*or ask for a model of another provider/,
      );
      assert.doesNotMatch(`${err.message}\n${err.cause.message}`, /not.found|does not know/i);
      return true;
    },
  );
  assert.equal(h.sim.calls(OTHER), 0, 'a named route has no fallback');
});

test('on the main chain the next route answers; the trail marks the refusal', async () => {
  await using h = await world();
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  const first = r.trail[0];
  assert.equal(first?.outcome, 'not_found');
  assert.equal(first?.refusal, 'region');
  assert.equal(r.trail[1]?.outcome, 'ok');
});

// Anthropic refuses a region with a bare 403 {"error":{"type":"forbidden","message":"Request not allowed"}} (the
// simulator's 403_region on its Anthropic API): a region refusal too, never the key's rejection.
const ANT_REFUSED = 'sk-ant-lib-region-00000003';

function anthropicWorld(): ReturnType<typeof harness> {
  return harness({
    scenario: { keys: { [ANT_REFUSED]: { script: ['403_region'], loop_script: true }, [OTHER]: {} } },
    config: (u) => ({
      providers: {
        ant: { type: 'anthropic', base_url: u.anthropic, api_key: ANT_REFUSED },
        other: { type: 'openai', base_url: u.openai, api_key: OTHER },
      },
      main: { provider: 'ant', model: 'sim-large' },
      fallback: [{ provider: 'other', model: 'sim-large' }],
      retry: FAST_RETRY,
    }),
  });
}

test('Anthropic\'s "Request not allowed" on a named route: a region refusal, and the key is not judged', async () => {
  await using h = await anthropicWorld();
  await assert.rejects(
    h.router.chat({ messages: hello, route: { provider: 'ant', model: 'sim-large' } }),
    (err: unknown) => {
      assert.ok(SwitchyardError.isInstance(err));
      assert.deepEqual([err.kind, err.blocked], ['not_found', 'region']);
      assert.ok(RegionRefusedError.isInstance(err.cause));
      assert.match(err.cause.message, /^ant: region refused \(HTTP 403\): Request not allowed$/);
      assert.match(
        err.message,
        /ant does not serve the country or region this request comes from \(HTTP 403: Request not allowed\) — the key was not judged/,
      );
      assert.doesNotMatch(err.message, /rejected|check or replace/);
      return true;
    },
  );
  assert.equal(h.sim.calls(ANT_REFUSED), 1, 'every key would meet the same answer: not retried');
  assert.equal(h.store.getHealth(fingerprint(ANT_REFUSED))?.state ?? 'ok', 'ok');
  const r = await h.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.deepEqual(
    r.trail.map((a) => [a.provider, a.outcome, a.refusal]),
    [
      ['ant', 'not_found', 'region'],
      ['other', 'ok', undefined],
    ],
  );
  assert.equal(h.store.getHealth(fingerprint(ANT_REFUSED))?.state ?? 'ok', 'ok');
});
