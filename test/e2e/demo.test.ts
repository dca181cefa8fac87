// `switchyard demo --ci` end to end, the way the README's quickstart runs it: every seed section present, every
// outcome as expected, exit 0, and no full key from the demo scenario anywhere in the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, assertNoSecrets, runCli } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { freePort } from '../helpers/net.ts';

const scenarioKeys = (): string[] => {
  const scenario = parse(readFileSync(join(REPO_ROOT, 'examples', 'demo', 'scenario.yaml'), 'utf8')) as {
    keys: Record<string, unknown>;
  };
  return Object.keys(scenario.keys);
};

test('demo --ci walks through the four seeds and a titled chat, then exits 0; --listen puts its gateway there', async () => {
  using ws = tempWorkspace('switchyard-demo-test-');
  const port = await freePort();
  // A user's own keys in the environment must not change what the demo does.
  const r = await runCli(['demo', '--ci', '--listen', `127.0.0.1:${port}`], {
    env: { HOME: ws.dir, MIMO_API_KEY: 'sk-users-own-key-should-not-be-used-9999' },
    timeoutMs: 90_000,
  });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  for (const heading of ['Seed 000 ·', 'Seed 001 ·', 'Seed 002 ·', 'Seed 003 ·', 'Chat ·', 'Summary'])
    assert.ok(out.includes(heading), heading);
  assert.equal(out.match(/✓ outcome: ok/g)?.length, 5);
  assert.doesNotMatch(out, /UNEXPECTED/);
  assert.match(out, /5\/5 outcomes as expected/);
  assert.match(out, new RegExp(`^Gateway\\s+http://127\\.0\\.0\\.1:${port}$`, 'm'));
  // The tables a user reads: trail columns and the auth explain before/after the config edit.
  assert.match(out, /ROUTE\s+KEY \(SOURCE\)\s+OUTCOME\s+STATUS\s+WAIT\s+LATENCY/);
  // The auth explain blocks have the real command's columns (the same rows and header as `auth explain`).
  assert.match(
    out,
    /switchyard auth explain xiaomi — before the edit:\n {2}xiaomi \(strategy \w+\)\n\s+#\s+ID\s+KEY\s+SOURCES\s+STATE\s+UNTIL\s+LAST SUCCESS\n/,
  );
  assert.match(out, /sk-…5d02\s+config key\s+cooling: quota\s+(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d\s+never/);
  assert.match(out, /→\s+1\s+[0-9a-f]{12}\s+sk-…8f3a\s+config key\s+ok\s+-\s+never/);
  assert.match(
    out,
    /auth_rejected\s+401.*\n.*auth_rejected\s+401.*\n.*ok\s+200/,
    'seed 002: two transient 401s, then ok',
  );
  assert.match(out, /the provider saw the never-valid key 1 time\b/);
  assert.match(
    out,
    /kimi\/kimi-k2.*auth_rejected[\s\S]*claude\/claude-haiku-4-5.*quota[\s\S]*deepseek\/deepseek-chat.*ok/,
  );
  assert.match(out, /title now: "Sim title: .*" \(generated\)/);
  assert.ok(!out.includes('\u001b['), 'no ANSI colour when not a terminal');
  assert.doesNotMatch(out, /Your turn/, '--ci does not stay up');
  assertNoSecrets([...scenarioKeys(), 'sk-users-own-key-should-not-be-used-9999']);
});
