import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callFailed, leadFailure, SwitchyardError, type RouteFailure } from '../../src/routing/errors.ts';

test('the explanation leads with the most useful failure, not the last fallback', () => {
  const failures: RouteFailure[] = [
    { route: 'mimo/pro', kind: 'all_cooling', explanation: 'every key for mimo is unusable — …', retryAfterMs: 3000 },
    { route: 'deepseek/chat', kind: 'connection', explanation: 'could not reach deepseek' },
  ];
  assert.equal(leadFailure(failures)?.route, 'mimo/pro');
  const err = callFailed('main', failures, []);
  assert.ok(SwitchyardError.isInstance(err));
  assert.equal(err.kind, 'all_cooling');
  assert.equal(err.retryAfterMs, 3000);
  assert.match(err.explanation, /^main: every route failed; every key for mimo is unusable/);
  assert.match(err.explanation, /2\. deepseek\/chat: could not reach deepseek/);
});

test('auth beats transport noise; ties go to the earlier route; no Retry-After unless keys are cooling', () => {
  const err = callFailed(
    'title_generation',
    [
      { route: 'a/x', kind: 'server', explanation: 's' },
      { route: 'b/y', kind: 'auth_rejected', explanation: 'b rejected key' },
      { route: 'c/z', kind: 'auth_rejected', explanation: 'c rejected key' },
    ],
    [],
  );
  assert.equal(err.kind, 'auth_rejected');
  assert.match(err.explanation, /b rejected key/);
  assert.equal(err.retryAfterMs, undefined);
});
