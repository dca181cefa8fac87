// A streaming limit that a route's provider `timeout` makes useless (that timeout bounds every wait for a chunk, so it
// runs out first) is a warning of `config check` naming both settings; one that can run out first is not.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { streamingTimeoutWarnings } from '../../src/config/streaming-warnings.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const ws = tempWorkspace('switchyard-streaming-warnings-');
after(() => ws.cleanup());

const BASE =
  'providers:\n' +
  '  mimo: { type: openai, base_url: https://api.example.com/v1, timeout: 30s }\n' +
  '  kimi: { type: openai, base_url: https://api.example.org/v1 }\n' +
  'main: { provider: mimo, model: m1 }\n' +
  'fallback: [{ provider: kimi, model: k1 }]\n';
let n = 0;
function write(extra: string): string {
  const d = `t${n++}`;
  ws.write(join(d, 'switchyard.yaml'), BASE + extra);
  return join(ws.dir, d);
}

test("a streaming limit no shorter than a route's provider timeout is warned of, naming both settings", () => {
  const dir = write(
    'streaming: { idle_timeout: 45s, first_token_timeout: 10s }\n' +
      'auxiliary:\n  title_generation:\n    provider: kimi\n    model: k1\n    streaming: { first_token_timeout: 2m }\n',
  );
  const warnings = streamingTimeoutWarnings(loadConfig({ cwd: dir, env: {} }).config);
  // mimo's 30s is shorter than the top-level idle limit, kimi's default 60s is not; the title task's own first-token
  // limit is longer than both, kimi's on its own route and mimo's on the main chain it falls back to.
  const named = warnings.map((w) =>
    [
      'streaming.idle_timeout',
      'auxiliary.title_generation.streaming.first_token_timeout',
      'providers.mimo.timeout',
      'providers.kimi.timeout',
    ].filter((p) => w.includes(p)),
  );
  assert.deepEqual(named, [
    ['streaming.idle_timeout', 'providers.mimo.timeout'],
    ['auxiliary.title_generation.streaming.first_token_timeout', 'providers.kimi.timeout'],
    ['auxiliary.title_generation.streaming.first_token_timeout', 'providers.mimo.timeout'],
  ]);
});

test('limits shorter than every provider timeout, or none at all, are not warned of', () => {
  for (const extra of ['', 'streaming: { idle_timeout: 20s, first_token_timeout: 10s }\n']) {
    const dir = write(extra);
    assert.deepEqual(streamingTimeoutWarnings(loadConfig({ cwd: dir, env: {} }).config), []);
  }
});

test('config check prints the warning', async () => {
  const dir = write('streaming: { idle_timeout: 45s }\n');
  const r = await runCliInProcess(['config', 'check', '--json'], { cwd: dir, env: {} });
  assert.equal(r.code, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { files: { warnings: string[] }[] };
  const warnings = body.files[0]?.warnings ?? [];
  assert.ok(
    warnings.some((w) => w.includes('streaming.idle_timeout') && w.includes('providers.mimo.timeout')),
    JSON.stringify(warnings),
  );
});
