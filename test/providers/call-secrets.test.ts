// The secrets scrubbed from upstream messages beside the key: which parts of a provider's config count, and that
// they are worked out once per config rather than per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callSecrets, configSecrets } from '../../src/providers/call-secrets.ts';
import { cleanMessage } from '../../src/errors/error-body.ts';

test('header values (and the credential after a scheme), user-info and query values are secrets', () => {
  const headers = {
    'Helicone-Auth': 'Bearer hel-abcdef123456',
    'Ocp-Apim-Subscription-Key': 'apim0123456789',
    'anthropic-version': '2023-06-01',
    'HTTP-Referer': 'https://myapp.example',
  };
  const secrets = configSecrets(
    headers,
    'https://me:p%40ss-word99@gw.example/v1?key=QK%2F123456&api-version=2024-06-01',
  );
  for (const s of [
    'Bearer hel-abcdef123456',
    'hel-abcdef123456',
    'apim0123456789',
    'p%40ss-word99',
    'p@ss-word99',
    'QK%2F123456',
    'QK/123456',
  ])
    assert.ok(secrets.includes(s), `${s} missing from ${secrets.join(', ')}`);
  // Settings are not secrets: scrubbing them would only blank dates and URLs out of every error message.
  for (const s of ['2023-06-01', 'https://myapp.example', '2024-06-01', 'me'])
    assert.ok(!secrets.includes(s), `${s} taken for a secret`);
  // Longest first: `Bearer X` is scrubbed whole before `X` alone.
  assert.ok(secrets.indexOf('Bearer hel-abcdef123456') < secrets.indexOf('hel-abcdef123456'));
});

test('a query value is a secret whatever its name, unless it is a date (an API version)', () => {
  assert.deepEqual(configSecrets({}, 'https://gw.example/v1?api-version=AZKEY123456&v=2024-06-01'), ['AZKEY123456']);
});

test("the proxy's password is a secret too", () => {
  assert.deepEqual(
    callSecrets({
      apiKey: 'k-1',
      headers: {},
      baseUrl: 'https://h/v1',
      proxy: { url: 'http://me:PROXYPASS99@proxy.corp:3128', from: 'providers.p.proxy' },
    }),
    ['k-1', 'PROXYPASS99'],
  );
});

test('a lone user name in the base URL is taken for a token', () => {
  assert.deepEqual(configSecrets({}, 'https://ghp_token123456@gw.example/v1'), ['ghp_token123456']);
  assert.deepEqual(configSecrets({}, 'not a url'), []);
});

test('worked out once per provider config; the key comes first', () => {
  const headers = { 'X-Custom-Auth': 'custom-123456' };
  assert.equal(configSecrets(headers, 'https://h/v1'), configSecrets(headers, 'https://h/v1'));
  assert.deepEqual(callSecrets({ apiKey: 'k-1', headers, baseUrl: 'https://h/v1' }), ['k-1', 'custom-123456']);
});

test('credential-looking query values are scrubbed from upstream messages even when we did not send them', () => {
  const m = cleanMessage(
    'redirected to https://x.example/cb?code=1&access_token=abc123XYZ&sig=zz99zz99&page=2 then failed',
  );
  assert.equal(
    m,
    'redirected to https://x.example/cb?code=1&access_token=[redacted]&sig=[redacted]&page=2 then failed',
  );
});
