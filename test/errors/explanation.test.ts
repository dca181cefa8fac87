// Explanations as values: what each explainer advises, and how the CLI and a library caller each read the advice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeAllUnusable, describeMissing, describeRejected, explain } from '../../src/errors/messages.ts';
import { cliLine, libraryLine, whatHappened, whatHappenedAfter, withPostscript } from '../../src/errors/explanation.ts';
import type { Advice } from '../../src/errors/advice.ts';
import { ERROR_KINDS } from '../../src/errors/kinds.ts';

const UTC = { timeZone: 'UTC', now: Date.parse('2026-06-12T10:30:00Z') };

/** The advice without the one-line sentence's joints: what a dashboard or a span would read. */
function kinds(advice: readonly Advice[]): string[] {
  return advice.map((a) => a.kind);
}

test('every failure kind explains itself with a headline and at least one advice', () => {
  for (const kind of ERROR_KINDS) {
    const e = explain({ kind, provider: 'p', model: 'm' });
    assert.ok(e.headline.length > 5, kind);
    assert.ok(e.advice.length > 0, kind);
  }
});

test('quota advises a reset after topping up, or another key', () => {
  const e = explain({ kind: 'quota', provider: 'mimo', status: 429, ...UTC });
  assert.deepEqual(
    e.advice.map(({ joint: _j, ...a }) => a),
    [
      { kind: 'reset_key', provider: 'mimo', after: 'top_up' },
      { kind: 'add_key', provider: 'mimo', count: 'another' },
    ],
  );
  assert.match(e.headline, /^mimo says the key is out of quota or credit \(HTTP 429\)/);
});

test('a timeout advises raising the setting that bounded it, or a fallback route', () => {
  const e = explain({
    kind: 'timeout',
    provider: 'p',
    model: 'm',
    timeoutMs: 5000,
    timeoutSetting: 'auxiliary.t.timeout',
  });
  assert.deepEqual(e.advice[0], { kind: 'raise_setting', path: 'auxiliary.t.timeout', why: 'slow_model' });
  assert.deepEqual(kinds(e.advice), ['raise_setting', 'add_fallback']);
});

test('a model the request named advises the models list; one the config named, checking that setting', () => {
  assert.deepEqual(kinds(explain({ kind: 'not_found', provider: 'p', model: 'm', origin: 'request' }).advice), [
    'list_models',
  ]);
  const configured = explain({ kind: 'not_found', provider: 'p', model: 'm', origin: 'fallback[0]' });
  assert.deepEqual(configured.advice[0], {
    kind: 'check_setting',
    about: 'model_name',
    provider: 'p',
    path: 'providers.p.models',
    modelSetting: 'fallback[0].model',
  });
});

test('a key that never worked is to be replaced; a known-good one waited for until a time', () => {
  const key = { masked: 'sk-…a1b2', sources: [{ kind: 'env' as const, where: 'env MIMO_API_KEY' }] };
  assert.deepEqual(describeRejected({ provider: 'mimo', key, ...UTC }).advice, [{ kind: 'replace_key' }]);
  const until = Date.parse('2026-06-12T10:35:00Z');
  const good = describeRejected({ provider: 'mimo', key, lastSuccessAt: UTC.now - 60_000, until, ...UTC });
  assert.deepEqual(good.advice, [{ kind: 'wait', until }]);
});

test('no key advises adding one; an untrusted ./switchyard.yaml that would send keys elsewhere, trusting it instead', () => {
  assert.deepEqual(kinds(describeMissing({ provider: 'mimo' }).advice), ['add_key']);
  const untrusted = describeMissing({
    provider: 'mimo',
    lookedIn: [
      'env MIMO_API_KEY (set, but not read by a ./switchyard.yaml found in the current directory that would send it to another host; `switchyard config trust` if the file is yours)',
    ],
    untrusted: 'sends_keys',
  });
  assert.deepEqual(kinds(untrusted.advice), ['trust_config']);
});

test('every key unusable: the keys are the detail, the advice adds a key or resets', () => {
  const e = describeAllUnusable({ provider: 'mimo', candidates: [], ...UTC });
  assert.equal(e.headline, 'every key for mimo is unusable');
  assert.deepEqual(kinds(e.advice), ['add_key', 'reset_key']);
});

test('a library caller reads the same advice with library calls instead of CLI commands', () => {
  const e = describeAllUnusable({ provider: 'bad', candidates: [], ...UTC });
  assert.match(cliLine(e), /`switchyard auth add bad`.*`switchyard auth reset bad`/);
  const lib = libraryLine(e);
  assert.match(lib, /`providers\.bad\.api_keys` in the config object \(or its key_env variable\)/);
  assert.match(lib, /`pool\.reset\('bad'\)` on the Switchyard instance/);
  assert.doesNotMatch(lib, /`switchyard /);
});

test('what happened is the headline, whatever punctuation the provider put in its words', () => {
  const e = explain({ kind: 'server', provider: 'odd', model: 'm', status: 500, providerMessage: 'upstream — busy' });
  assert.equal(whatHappened(e), 'odd/m failed with a server error (HTTP 500: upstream — busy); not retried');
  assert.equal(cliLine(withPostscript(e, '; then main.timeout ran out')), `${cliLine(e)}; then main.timeout ran out`);
});

test('a headline that opens with its route says so in the value, so a reader naming the route says only the rest', () => {
  const server = explain({ kind: 'server', provider: 'down', model: 'm', status: 500, retries: 0 });
  assert.equal(server.route, 'down/m');
  assert.equal(whatHappenedAfter(server, 'down/m'), 'failed with a server error (HTTP 500); not retried');
  assert.equal(whatHappenedAfter(server, 'other/m'), undefined);
  for (const kind of ['timeout', 'overloaded', 'bad_request', 'content_filter'] as const)
    assert.equal(explain({ kind, provider: 'p', model: 'm' }).route, 'p/m', kind);
  assert.equal(
    explain({ kind: 'server', provider: 'p' }).route,
    undefined,
    'without a model it opens with the provider',
  );
  const firstToken = explain({ kind: 'timeout', provider: 'p', model: 'm', code: 'first_token_timeout' });
  assert.equal(firstToken.route, undefined, '"p/m: no content …" is the route as a label, not the subject');
  assert.equal(explain({ kind: 'rate_limited', provider: 'p', model: 'm' }).route, undefined);
});
