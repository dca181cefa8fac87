// How the simulator's console names keys (masked, and told apart by their ID where masks alone would collide) and
// describes its OAuth2 clients, regions down and AWS keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fingerprint } from '../../src/config/mask.ts';
import { describeScenario, keyNamer } from '../../src/sim/describe.ts';
import { loadScenario, resolveScenario } from '../../src/sim/scenario-load.ts';
import { assertNoSecrets } from '../helpers/cli.ts';

test('keys that mask alike are told apart by their ID; a key masked uniquely is shown as before', () => {
  const name = keyNamer(['sk-sim-openai-only', 'sk-sim-small-only', 'sk-sim-script', '*']);
  assert.equal(name('sk-sim-script'), 'sk-…ript');
  assert.equal(name('sk-sim-openai-only'), `sk-…only (ID ${fingerprint('sk-sim-openai-only')})`);
  assert.equal(name('sk-sim-small-only'), `sk-…only (ID ${fingerprint('sk-sim-small-only')})`);
  assert.notEqual(name('sk-sim-openai-only'), name('sk-sim-small-only'));
  for (const key of ['sk-sim-openai-only', 'sk-sim-small-only'])
    assert.ok(!name(key).includes(key), 'never the whole key');
});

test('a key the scenario does not list always carries its ID (nothing keeps two of them apart)', () => {
  const name = keyNamer(['sk-sim-script']);
  assert.equal(
    name('sk-other-ript'),
    `sk-…ript (ID ${fingerprint('sk-other-ript')})`,
    'not mistaken for the listed sk-…ript',
  );
  assert.notEqual(name('sk-one-zzzz-1234'), name('sk-two-zzzz-1234'));
  assert.equal(name('sk-sim-script'), 'sk-…ript');
});

test("the banner names each of the fixture's keys distinctly", () => {
  const { keys } = describeScenario(loadScenario(join(import.meta.dirname, 'fixtures', 'basic.yaml')));
  const names = keys.map((line) => line.slice(0, line.indexOf(': ')));
  assert.equal(new Set(names).size, names.length, names.join(', '));
  assert.ok(
    keys.includes(`sk-…only (ID ${fingerprint('sk-sim-openai-only')}): valid; only openai API`),
    keys.join('\n'),
  );
  assert.ok(keys.includes('sk-…ript: valid; script 401, 401, ok'));
});

test('each OAuth2 client is described with its grants, token lifetime and max_requests, its secrets masked', () => {
  const scenario = resolveScenario({
    keys: { app: { script: [429] } },
    oauth2: {
      clients: {
        app: {
          secret: 'client-secret-s3cret',
          refresh_token: 'rt-first-refresh-token',
          expires_in: '1h',
          max_requests: 100,
          script: ['ok', 'invalid_grant'],
        },
        batch: { grants: ['client_credentials'], rotate: false, expires_in: '90s' },
      },
    },
  });
  const { oauthClients } = describeScenario(scenario);
  assert.deepEqual(oauthClients, [
    'app: grants client_credentials, refresh_token; secret …cret; refresh token rt-…oken (single-use, rotated); ' +
      'tokens expire after 1h; tokens behave as key …pp; max_requests 100; script ok, invalid_grant',
    'batch: grants client_credentials; any secret; tokens expire after 90s; no max_requests',
  ]);
  assertNoSecrets(['client-secret-s3cret', 'rt-first-refresh-token'], oauthClients.join('\n'));
  assert.deepEqual(describeScenario(resolveScenario({})).oauthClients, [], 'no clients, no lines');
});

test('regions down or throttled are listed, and AWS keys make the banner name the STS endpoint', () => {
  const scenario = resolveScenario({
    keys: { AKIASIMDESCRIBE00001: { aws_secret: 'never-shown' } },
    regions: { 'us-east-1': '503', 'us-east5': '429' },
  });
  const d = describeScenario(scenario);
  assert.deepEqual(d.regions, ['us-east-1: every call 503', 'us-east5: every call 429']);
  assert.equal(d.aws, true);
  assertNoSecrets(['never-shown'], JSON.stringify(d));
  const none = describeScenario(resolveScenario({}));
  assert.deepEqual([none.regions, none.aws], [[], false]);
});
