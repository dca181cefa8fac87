// fallbackReason: why a background task's answer came from a later route, naming every route tried before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackReason } from '../../src/sessions/fallback-note.ts';
import type { Attempt } from '../../src/routing/types.ts';

function attempt(route: string, outcome: Attempt['outcome'], extra: Partial<Attempt> = {}): Attempt {
  const [provider = '', model = ''] = route.split('/');
  const credential = { fingerprint: `fp-${provider}`, masked: `sk-…${provider.slice(0, 4)}`, sources: ['config' as const], from: [{ kind: 'config' as const, where: `providers.${provider}.api_key` }] };
  return { route, provider, model, outcome, latency_ms: 1, wait_ms: 0, started_at: 0, credential, ...extra };
}

test('every route tried before the one that answered is named, in order (a broken fallback between them too)', () => {
  const trail = [attempt('kimi/k2', 'auth_rejected'), attempt('qq/q1', 'quota'), attempt('main/large', 'ok')];
  const reason = fallbackReason(trail, 'main/large');
  assert.equal(reason?.provider, 'kimi');
  assert.match(reason?.text ?? '', /^kimi rejected key sk-…kimi \(config\) — `switchyard auth explain kimi`; qq key sk-…qq \(config\) is out of quota — `switchyard auth explain qq`$/);
});

test('a route that failed without being set aside is named with what happened there; the first one "first"', () => {
  const trail = [attempt('slow/a', 'timeout', { message: 'no answer within 15s' }), attempt('down/b', 'server', { status: 503 }), attempt('main/large', 'ok')];
  assert.equal(fallbackReason(trail, 'main/large')?.text, 'slow/a failed first: no answer within 15s; down/b failed: server');
});

test('nothing to say when the first route answered', () => {
  assert.equal(fallbackReason([attempt('main/large', 'ok')], 'main/large'), undefined);
});
