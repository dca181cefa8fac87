// fallbackReason: why a background task's answer came from a later route, naming every route tried before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackReason } from '../../src/sessions/fallback-note.ts';
import type { Attempt } from '../../src/calls/types.ts';

function attempt(route: string, outcome: Attempt['outcome'], extra: Partial<Attempt> = {}): Attempt {
  const [provider = '', model = ''] = route.split('/');
  const credential = {
    fingerprint: `fp-${provider}`,
    masked: `sk-…${provider.slice(0, 4)}`,
    sources: ['config' as const],
    from: [{ kind: 'config' as const, where: `providers.${provider}.api_key` }],
  };
  return { route, provider, model, outcome, latency_ms: 1, wait_ms: 0, started_at: 0, credential, ...extra };
}

test('every route tried before the one that answered is named, in order (a broken fallback between them too)', () => {
  const trail = [attempt('kimi/k2', 'auth_rejected'), attempt('qq/q1', 'quota'), attempt('main/large', 'ok')];
  const reason = fallbackReason(trail, 'main/large');
  assert.equal(reason?.provider, 'kimi');
  assert.match(
    reason?.text ?? '',
    /^kimi rejected key sk-…kimi \(config\) — `switchyard auth explain kimi`; qq key sk-…qq \(config\) is out of quota — `switchyard auth explain qq`$/,
  );
});

test('a route that failed without being set aside is named with what happened there; the first one "first"', () => {
  const trail = [
    attempt('slow/a', 'timeout', { message: 'no answer within 15s' }),
    attempt('down/b', 'server', { status: 503 }),
    attempt('main/large', 'ok'),
  ];
  assert.equal(
    fallbackReason(trail, 'main/large')?.text,
    'slow/a failed first: no answer within 15s; down/b failed: server',
  );
});

test('nothing to say when the first route answered', () => {
  assert.equal(fallbackReason([attempt('main/large', 'ok')], 'main/large'), undefined);
});

test('a route skipped for want of a usable key names each key and its real state, not "rejected or cooling"', () => {
  const skipped = (keys: Attempt['unusable_keys']): Attempt[] => [
    attempt('mimo/pro', 'skipped', {
      credential: undefined,
      skip: 'no_usable_key',
      message: 'every key for mimo is unusable',
      ...(keys ? { unusable_keys: keys } : {}),
    }),
    attempt('main/large', 'ok'),
  ];
  const one = [
    {
      masked: 'sk-…a1b2',
      from: [{ kind: 'env' as const, where: 'env MIMO_API_KEY' }],
      why: 'out of quota until 10:32:10',
      why_parts: ['out of quota until 10:32:10'],
    },
  ];
  assert.equal(
    fallbackReason(skipped(one), 'main/large')?.text,
    'mimo key sk-…a1b2 (from env MIMO_API_KEY) is set aside: out of quota until 10:32:10 — `switchyard auth explain mimo`',
  );
  const two = [
    {
      masked: 'sk-…a1b2',
      from: [{ kind: 'config' as const, where: 'providers.mimo.api_keys[0]' }],
      why: 'rate-limited until 10:32:10',
      why_parts: ['rate-limited until 10:32:10'],
    },
    {
      masked: 'sk-…c3d4',
      from: [{ kind: 'stored' as const, where: 'stored "backup"' }],
      why: 'rejected (never accepted); next probe at 11:02:00',
      why_parts: ['rejected (never accepted)', 'next probe at 11:02:00'],
    },
  ];
  // A key's parts are joined with ", ": in a note joining several routes, "; " starts the next route's reason.
  assert.equal(
    fallbackReason(skipped(two), 'main/large')?.text,
    'every key for mimo is set aside: sk-…a1b2 (config providers.mimo.api_keys[0]) rate-limited until 10:32:10, sk-…c3d4 (stored "backup") rejected (never accepted), next probe at 11:02:00 — `switchyard auth explain mimo`',
  );
  assert.equal(
    fallbackReason(skipped(undefined), 'main/large')?.text,
    'every key for mimo is set aside — `switchyard auth explain mimo`',
    'a trail without the keys (recorded elsewhere) still says it',
  );
});

test('a route skipped for its keys is told by the skip, not its words; one skipped for its window is not', () => {
  const skipped = (skip: Attempt['skip'], message?: string): Attempt[] => [
    attempt('mimo/pro', 'skipped', { credential: undefined, skip, ...(message ? { message } : {}) }),
    attempt('main/large', 'ok'),
  ];
  assert.equal(
    fallbackReason(skipped('no_usable_key'), 'main/large')?.text,
    'every key for mimo is set aside — `switchyard auth explain mimo`',
  );
  assert.equal(
    fallbackReason(skipped('context_window', 'context window 8192 cannot hold ≈9000 tokens'), 'main/large'),
    undefined,
  );
});
