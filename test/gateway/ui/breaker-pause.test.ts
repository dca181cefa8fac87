// Once a breaker's pause is over, what the dashboard and /metrics say follows the clock: half-open, the next request
// its trial, not "open until" a time gone by. No request is sent: the breaker is opened and the clock moved by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGateway } from '../../../src/gateway/server/app.ts';
import { createSwitchyard } from '../../../src/library/switchyard.ts';
import { openStore } from '../../../src/state/open.ts';
import { loadedFrom } from '../../credentials/loaded.ts';

const ADMIN = 'adm-breaker-pause-admin-0001';

test('after the pause the breaker reads half-open on the dashboard and in the metric, the next request its trial', async () => {
  let now = Date.parse('2026-01-01T12:00:00Z');
  const loaded = loadedFrom({
    providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-breaker-pause-000001' } },
    main: { provider: 'p', model: 'm' },
    gateway: { admin_key: ADMIN },
  });
  await using store = openStore({ kind: 'memory' });
  await using router = createSwitchyard({ config: loaded, store, now: () => now, breaker: { pauseMs: 30_000 } });
  const app = buildGateway({ loaded, store, router });
  try {
    const get = async (url: string): Promise<string> => {
      const res = await app.inject({ url, headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(res.statusCode, 200, res.body);
      return res.body;
    };
    const provider = async (): Promise<{ breaker: string; summary: string }> =>
      (JSON.parse(await get('/ui/api/keys')) as { providers: { breaker: string; summary: string }[] }).providers[0]!;
    for (let i = 0; i < 5; i++) router.breakers.recordFailure('p', 'server');

    assert.equal((await provider()).breaker, 'open');
    assert.match(await get('/metrics'), /switchyard_breaker_open\{provider="p"\} 1/);

    now += 30_001;
    const after = await provider();
    assert.equal(after.breaker, 'half_open', 'the pause is over: half-open, before any request asked');
    assert.doesNotMatch(after.summary, /until/, after.summary);
    assert.match(after.summary, /half-open: its pause is over, the next request \(with \S+\) is its trial/);
    assert.match(await get('/metrics'), /switchyard_breaker_open\{provider="p"\} 0\.5/);

    assert.equal(router.breakers.allow('p'), true, 'the next request is the trial');
    assert.match((await provider()).summary, /one trial request .* decides whether it closes; until it answers/);
  } finally {
    await app.close();
  }
});
