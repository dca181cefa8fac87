import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, parseScenarioText, resolveScenario } from '../../src/sim/scenario-load.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'basic.yaml');

test('the sample scenario loads, with durations in ms and numeric steps read as names', () => {
  const s = loadScenario(FIXTURE);
  assert.equal(s.seed, 42);
  assert.equal(s.models['sim-small']?.context_window, 8000);
  assert.equal(s.keys['sk-sim-rl']?.reset, 30_000);
  assert.deepEqual(s.keys['sk-sim-script']?.script, ['401', '401', 'ok']);
  assert.equal(s.keys['sk-sim-good']?.valid, true);
  assert.equal(s.keys['sk-sim-ollama']?.tool_call_ids, 'missing');
  assert.equal(s.keys['sk-sim-good']?.prompt_cache, undefined, 'answer options unset: the model decides');
});

test('defaults: two models, no keys, seed 1; a key written with no value is a valid key', () => {
  const s = parseScenarioText('keys:\n  sk-a:\n');
  assert.deepEqual(Object.keys(s.models), ['sim-large', 'sim-small']);
  assert.equal(s.seed, 1);
  assert.equal(s.keys['sk-a']?.valid, true);
  assert.deepEqual(s.keys['sk-a']?.reset_headers, ['retry-after']);
});

test('an unknown field is located by file:line:col and gets a suggestion', () => {
  const err = userError(() => parseScenarioText('seed: 1\nkeys:\n  sk-a: { rate_limit_afer: 2 }\n', 'my.yaml'));
  assert.match(err.message, /^invalid scenario: my\.yaml:3:11: keys\.sk-a\.rate_limit_afer: /);
  assert.match(err.message, /did you mean `rate_limit_after`\?/);
});

test('an unknown script step names the step and lists the valid ones', () => {
  const err = userError(() => parseScenarioText('keys:\n  sk-a:\n    script: [ok, 418]\n', 'my.yaml'));
  assert.match(
    err.message,
    /my\.yaml:3:18: keys\.sk-a\.script\[1\]: unknown step "418"; steps are .*\bok\b.*401_token_invalidated/,
  );
});

test('a bad duration, a bad rate and broken YAML are each located', () => {
  assert.match(
    userError(() => parseScenarioText('latency: soon\n', 'f.yaml')).message,
    /f\.yaml:1:10: latency: expected a duration/,
  );
  assert.match(
    userError(() => parseScenarioText('keys:\n  k: { server_error_rate: 2 }\n', 'f.yaml')).message,
    /f\.yaml:2:27: keys\.k\.server_error_rate: /,
  );
  assert.match(
    userError(() => parseScenarioText('keys: [\n', 'f.yaml')).message,
    /^invalid scenario: f\.yaml:\d+:\d+: YAML syntax error/,
  );
});

test('settings that together do nothing, or less than they say, are refused where they are', () => {
  const err = userError(() =>
    parseScenarioText(
      'keys:\n  a: { rate_limit_after: 1, reset: 0 }\n  b: { reset_headers: [retry-after, retry-after-date] }\n  c: { models: [sim-smal] }\n',
      'f.yaml',
    ),
  );
  assert.match(err.message, /3 problems/);
  assert.deepEqual(
    err.details.map((d) => d.replace(/: .*/, '')),
    ['f.yaml:2:36', 'f.yaml:3:8', 'f.yaml:4:17'],
  );
  assert.match(
    err.details[0] ?? '',
    /keys\.a\.reset: with rate_limit_after, reset is how long the window lasts: 0 would never limit anything/,
  );
  assert.match(err.details[1] ?? '', /keys\.b\.reset_headers: .*choose one/);
  assert.match(
    err.details[2] ?? '',
    /keys\.c\.models\[0\]: sim-smal is not a served model \(served: sim-large, sim-small\) \(did you mean `sim-small`\?\)/,
  );
});

test('an inline object is validated too, with the key path', () => {
  const err = userError(() => resolveScenario({ keys: { k: { quota: 'lots' as never } } }));
  assert.match(err.message, /<scenario>: keys\.k\.quota: /);
});

test('resolveScenario takes a file path or YAML text', () => {
  using ws = tempWorkspace();
  const path = ws.write('s.yaml', 'seed: 7\n');
  assert.equal(resolveScenario(path).seed, 7);
  assert.equal(resolveScenario('seed: 8\nkeys: {}\n').seed, 8);
  assert.match(
    userError(() => resolveScenario(join(ws.dir, 'missing.yaml'))).message,
    /scenario file not found: .*missing\.yaml/,
  );
});

test('every problem at once, in file order, worded like config errors (no raw zod text)', () => {
  const err = userError(() =>
    parseScenarioText(
      'seed: x\nkeys:\n  k: { latency: -1, rate_limit_after: -2, quota: lots }\nlatncy: 5ms\n',
      'f.yaml',
    ),
  );
  assert.equal(err.message, 'invalid scenario f.yaml: 5 problems');
  assert.deepEqual(err.details, [
    'f.yaml:1:7: seed: expected a whole number, got "x"',
    'f.yaml:3:17: keys.k.latency: expected a duration like 0ms, 250ms, 30s or 5m, got -1',
    'f.yaml:3:39: keys.k.rate_limit_after: expected a number >= 0, got number -2',
    'f.yaml:3:50: keys.k.quota: expected true or false | openai | insufficient_quota | payment, got "lots"',
    'f.yaml:4:1: latncy: unknown key `latncy` (did you mean `latency`?)',
  ]);
  for (const line of err.details) assert.doesNotMatch(line, /Invalid input|Too small|Unrecognized key/);
});

test('a directory, or a file that is not UTF-8, is named as such', () => {
  using ws = tempWorkspace();
  assert.equal(
    userError(() => loadScenario(ws.dir)).message,
    `scenario file ${ws.dir} is a directory, not a YAML file`,
  );
  const utf16 = ws.write('u16.yaml', '');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('seed: 1\n', 'utf16le')]));
  assert.match(userError(() => loadScenario(utf16)).message, /u16\.yaml is not UTF-8 text: .*UTF-16/);
});
