// Keys the provider rejects, through the real router against the simulator: what the user is told (the provider's
// own reason), what the key's health becomes, and how often the key is sent again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/credentials/mask.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { FAST_RETRY, harness, hello } from './helpers.ts';

const GOOD = 'sk-auth-good-000a1b2';

function mimo(openai: string, keys: string[], extra: Record<string, unknown> = {}): unknown {
  return { providers: { mimo: { type: 'openai', base_url: openai, api_keys: keys } }, main: { provider: 'mimo', model: 'sim-large' }, retry: FAST_RETRY, ...extra };
}

async function failure(p: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await p;
  } catch (err) {
    if (SwitchyardError.isInstance(err)) return err;
    throw err;
  }
  assert.fail('expected the call to fail');
}

test("a never-accepted key refused with 403 permission_denied: the explanation and the log line quote the provider's reason", async () => {
  const h = await harness({ scenario: { keys: { [GOOD]: { script: ['403'] } } }, config: (u) => mimo(u.openai, [GOOD]) });
  try {
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'auth_rejected');
    assert.match(err.explanation, /mimo rejected key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 403: Your API key does not have permission to use the specified resource\.\); it has never been accepted — check or replace it/);
    const line = h.warnings.find((w) => w.includes('sk-…a1b2'));
    assert.match(line ?? '', /^mimo: config api_keys\[0\] sk-…a1b2 rejected \(never accepted\); next probe at \d\d:\d\d:\d\d \(HTTP 403: Your API key does not have permission to use the specified resource\.\)$/);
  } finally {
    await h.close();
  }
});

test('a known-good key whose token was invalidated: the auth_suspect explanation quotes "has been invalidated"', async () => {
  const h = await harness({ scenario: { keys: { [GOOD]: { script: ['ok', '401_token_invalidated', '401_token_invalidated', '401_token_invalidated'] } } }, config: (u) => mimo(u.openai, [GOOD]) });
  try {
    await h.router.chat({ messages: hello });
    const err = await failure(h.router.chat({ messages: hello }));
    assert.match(err.explanation, /mimo rejected key sk-…a1b2 \(config providers\.mimo\.api_keys\[0\]\) \(HTTP 401: Your authentication token has been invalidated\.[^)]*\), which last worked at \d\d:\d\d; retried 2× with backoff/);
    const line = h.warnings.find((w) => w.includes('auth suspect'));
    assert.match(line ?? '', /\(HTTP 401: Your authentication token has been invalidated\./);
    assert.equal(h.store.getHealth(fingerprint(GOOD))?.last_failure_message?.startsWith('Your authentication token has been invalidated.'), true);
  } finally {
    await h.close();
  }
});
