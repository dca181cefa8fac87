// The `streaming:` section: durations read like every other, errors located at their line, a task's fields over the
// top level's one by one, and the clocks' defaults when the section is absent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { DEFAULT_FIRST_TOKEN_MS, DEFAULT_IDLE_MS, streamingSettings } from '../../src/config/streaming.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const ws = tempWorkspace('switchyard-config-streaming-');
after(() => ws.cleanup());

const BASE =
  'providers:\n  mimo: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: mimo, model: m1 }\n';
let n = 0;
function load(extra: string): ReturnType<typeof loadConfig> {
  const d = `t${n++}`;
  ws.write(join(d, 'switchyard.yaml'), BASE + extra);
  return loadConfig({ cwd: join(ws.dir, d), env: {} });
}

test('absent: resume off, the clocks at their defaults (30 s to the first token, 60 s of silence after it)', () => {
  const { config } = load('');
  assert.deepEqual(config.streaming, { resume: false });
  const s = streamingSettings(config.streaming, config.auxiliary['title_generation']?.streaming);
  assert.deepEqual(s, { resume: false, firstTokenMs: 30_000, idleMs: 60_000 });
  assert.deepEqual([DEFAULT_FIRST_TOKEN_MS, DEFAULT_IDLE_MS], [30_000, 60_000]);
});

test("a task's streaming fields override the top level's one by one", () => {
  const { config } = load(
    'streaming: { first_token_timeout: 20s, idle_timeout: 45s, keepalive: 15s, resume: true }\n' +
      'auxiliary:\n  title_generation:\n    streaming: { resume: false, idle_timeout: 5s }\n',
  );
  assert.deepEqual(streamingSettings(config.streaming, undefined), {
    resume: true,
    firstTokenMs: 20_000,
    idleMs: 45_000,
    keepaliveMs: 15_000,
  });
  assert.deepEqual(streamingSettings(config.streaming, config.auxiliary['title_generation']?.streaming), {
    resume: false,
    firstTokenMs: 20_000,
    idleMs: 5_000,
    keepaliveMs: 15_000,
  });
});

test('a bad value or an unknown field is refused at its line, naming the path', () => {
  const bad = userError(() => load('streaming:\n  idle_timeout: soon\n'));
  assert.match(bad.message, /switchyard\.yaml:5:\d+: streaming\.idle_timeout: expected a duration/);
  const zero = userError(() => load('streaming: { keepalive: 0 }\n'));
  assert.match(zero.message, /streaming\.keepalive: must be longer than 0/);
  const unknown = userError(() => load('auxiliary:\n  compression:\n    streaming: { resumes: true }\n'));
  assert.match(unknown.message, /auxiliary\.compression\.streaming/);
  assert.match(unknown.message, /resumes/);
});
