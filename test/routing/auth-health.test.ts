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

test("seed 000: a task's own api_key that was sent and rejected is what the error says, not 'no API key' for its provider", async () => {
  const TITLE = 'sk-title-key-0000tt01';
  const h = await harness({
    scenario: { keys: { [TITLE]: { valid: false } } },
    config: (u) => ({
      providers: { xiaomi: { type: 'openai', base_url: u.openai } },
      main: { provider: 'xiaomi', model: 'sim-large' },
      auxiliary: { title_generation: { provider: 'xiaomi', model: 'sim-small', api_key: TITLE, fallback_to_main: true } },
      retry: FAST_RETRY,
    }),
  });
  try {
    const err = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
    assert.equal(h.sim.calls(TITLE), 1);
    assert.equal(err.kind, 'auth_rejected');
    assert.deepEqual(err.failures.map((f) => f.kind), ['auth_rejected', 'auth_missing']);
    const lead = err.explanation.split('\n')[0] ?? '';
    assert.match(lead, /^title_generation: every route failed; xiaomi rejected key sk-…tt01 \(config auxiliary\.title_generation\.api_key\) \(HTTP 401: Incorrect API key provided/);
    // The main route, which has no key at all, says so on its own line — and where the .env would have been.
    assert.match(err.explanation, /2\. xiaomi\/sim-large: no API key for provider xiaomi — looked in providers\.xiaomi\.api_key, env XIAOMI_API_KEY, no \.env at \S+\.env;/);

  } finally {
    await h.close();
  }
});

test("a task's own key rejected on a route with no other key fails as rejected, never as 'no API key'", async () => {
  const TITLE = 'sk-title-key-0000tt01';
  const h = await harness({
    scenario: { keys: { [TITLE]: { valid: false } } },
    config: (u) => ({
      providers: { xiaomi: { type: 'openai', base_url: u.openai } },
      main: { provider: 'xiaomi', model: 'sim-large' },
      auxiliary: { title_generation: { provider: 'xiaomi', model: 'sim-small', api_key: TITLE, fallback_to_main: false } },
      retry: FAST_RETRY,
    }),
  });
  try {
    const err = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
    assert.equal(err.kind, 'auth_rejected');
    assert.match(err.explanation, /^title_generation: xiaomi rejected key sk-…tt01 \(config auxiliary\.title_generation\.api_key\) \(HTTP 401: [^)]*\); it has never been accepted/);
    const again = await failure(h.router.chat({ task: 'title_generation', messages: hello }));
    assert.equal(again.kind, 'auth_rejected');
    assert.match(again.explanation, /sk-…tt01 \(config auxiliary\.title_generation\.api_key\): rejected \(never accepted\), next probe at/);
    assert.equal(h.sim.calls(TITLE), 1, 'the rejected key is not sent again before its probe window');
  } finally {
    await h.close();
  }
});
