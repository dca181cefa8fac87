// The chat's error lines: never clipped mid-word, and one line per route when several failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callFailed } from '../../src/routing/errors.ts';
import { explainError, explainErrorInline, explainErrorLines } from '../../src/sessions/error-text.ts';
import { explained } from '../../src/errors/explanation.ts';

const LONG = `the provider wants a context window it can check; set providers.p.models.m.context_window ${'so Switchyard can skip routes that cannot hold the prompt '.repeat(8)}end`;

test('a long explanation is printed whole, not cut mid-word', () => {
  const err = callFailed('main', [{ route: 'p/m', kind: 'bad_request', explanation: LONG }], []);
  assert.equal(explainError(err), `main: ${LONG}`);
  assert.deepEqual(explainErrorLines(err), [`main: ${LONG}`]);
});

test('several failed routes: a headline, then each route with its own reason', () => {
  const err = callFailed(
    'main',
    [
      { route: 'nokey/m', kind: 'auth_missing', explanation: 'no API key for provider nokey' },
      { route: 'down/m', kind: 'connection', explanation: 'could not reach down' },
    ],
    [],
  );
  assert.match(explainError(err), /^main: every route failed; no API key for provider nokey/);
  assert.deepEqual(explainErrorLines(err), [
    'main: every route failed',
    '  1. nokey/m: no API key for provider nokey',
    '  2. down/m: could not reach down',
  ]);
});

test('a background failure on one line: every route with what happened, the lead keeping its hint', () => {
  const err = callFailed(
    'title_generation',
    [
      {
        route: 'slow/m',
        kind: 'timeout',
        ...explained({
          headline: 'slow/m did not answer within 15s',
          route: 'slow/m',
          advice: [{ kind: 'raise_setting', path: 'providers.slow.timeout', why: 'slow_model' }],
        }),
      },
      {
        route: 'dead/m',
        kind: 'all_cooling',
        explanation:
          'every key for dead is unusable — sk-…cccc (config): quota until 10:00:00; add a key with `switchyard auth add dead`',
      },
      {
        route: 'odd/m',
        kind: 'server',
        // The provider's own words hold a " — ": the headline is a value, so nothing has to find where it ends.
        ...explained({
          headline: 'odd/m failed with a server error (HTTP 500: upstream — busy); not retried',
          route: 'odd/m',
          advice: [{ kind: 'retry_later', when: 'later' }],
        }),
      },
    ],
    [],
  );
  assert.equal(
    explainErrorInline(err),
    'title_generation: every route failed: 1. slow/m did not answer within 15s; ' +
      '2. dead/m: every key for dead is unusable — sk-…cccc (config): quota until 10:00:00; add a key with `switchyard auth add dead`; ' +
      '3. odd/m failed with a server error (HTTP 500: upstream — busy); not retried',
  );
  const one = callFailed(
    'compression',
    [{ route: 'p/m', kind: 'timeout', explanation: 'p/m did not answer within 15s — raise providers.p.timeout' }],
    [],
  );
  assert.equal(explainErrorInline(one), 'compression: p/m did not answer within 15s — raise providers.p.timeout');
});

test("the lead reason is the failure's headline: a line break in the provider's words does not cut it", () => {
  const err = callFailed(
    'main',
    [
      { route: 'odd/m', kind: 'server', explanation: 'odd/m failed with a server error (HTTP 500: upstream\nbusy)' },
      { route: 'down/m', kind: 'connection', explanation: 'could not reach down' },
    ],
    [],
  );
  assert.equal(
    explainError(err),
    'main: every route failed; odd/m failed with a server error (HTTP 500: upstream — busy)',
  );
});
