// A provider refusing a key and quoting it back (half-masked, or cut off), through the real router and a loopback
// upstream: the caller's explanation, the attempt trail and the log name the key as our masked form does
// (`sk-…wxyz`), and show nothing else of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCannedUpstream, type CannedReply } from '../helpers/canned-upstream.ts';
import { failure, FAST_RETRY, harness, hello } from './helpers.ts';

const KEY = 'sk-proj-Q7vN2xK9mB4tR8wL1cZ6hJ3pF5yD0sGaE7uV2nM4kX9qT1rW8bL3zC6fH5jP0dY2gA7sE4oI9uK1wxyz';

/** Any 4 consecutive characters of the key but its last 4 (which `sk-…wxyz` shows) and its `sk-p…` prefix: more of
 * it than our masked form shows. */
function pieces(text: string): string[] {
  const found: string[] = [];
  for (let i = 4; i + 4 < KEY.length; i++) if (text.includes(KEY.slice(i, i + 4))) found.push(KEY.slice(i, i + 4));
  return found;
}

const REPLIES: Record<string, CannedReply> = {
  'OpenAI, half-masked': {
    status: 401,
    body: {
      error: {
        message: `Incorrect API key provided: ${KEY.slice(0, 12)}${'*'.repeat(60)}${KEY.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    },
  },
  'a proxy, cut off': {
    status: 401,
    body: {
      error: { message: `upstream rejected Authorization: Bearer ${KEY.slice(0, 36)}`, type: 'authentication_error' },
    },
  },
  'Anthropic-style, no echo': {
    status: 401,
    body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
  },
};

for (const [name, reply] of Object.entries(REPLIES)) {
  test(`a refused key quoted back (${name}) is named only as sk-…wxyz`, async () => {
    await using up = await startCannedUpstream([reply]);
    await using h = await harness({
      scenario: {},
      config: () => ({
        providers: { mimo: { type: 'openai', base_url: up.baseUrl, api_key: KEY } },
        main: { provider: 'mimo', model: 'mimo-v2.5-pro' },
        retry: FAST_RETRY,
      }),
    });
    const err = await failure(h.router.chat({ messages: hello }));
    assert.equal(err.kind, 'auth_rejected');
    assert.match(err.explanation, /mimo rejected key sk-…wxyz/);
    const said = [
      err.message,
      err.explanation,
      ...err.trail.map((a) => a.message ?? ''),
      ...h.warnings,
      ...h.events.map((e) => JSON.stringify(e)),
    ].join('\n');
    assert.deepEqual(pieces(said), [], said);
  });
}
