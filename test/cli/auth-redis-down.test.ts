// `auth list` / `auth explain` with `gateway.state: redis://…` that has not answered since the command started: the
// health shown would be only this process's own empty view ("ok", "never"), so it is shown as unknown, with why —
// in the table and in --json. No Redis server is needed: a closed port plays the outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { closedPort } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('Redis unreachable from the start: auth list and explain show every key\'s health as unknown, not "ok / never"', async (t) => {
  const ws = tempWorkspace('switchyard-auth-redis-down-');
  t.after(() => ws.cleanup());
  const port = await closedPort();
  const config = ws.write(
    'switchyard.yaml',
    `providers:\n  sim: { type: openai, base_url: http://127.0.0.1:9/v1, api_keys: [sk-redis-down-key-0001, sk-redis-down-key-0002] }\nmain: { provider: sim, model: m }\ngateway: { state: "redis://127.0.0.1:${port}/0" }\n`,
  );
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const list = await runCliInProcess(['-c', config, 'auth', 'list'], { env });
  assert.equal(list.code, 0, list.stderr);
  const rows = list.stdout.split('\n').filter((l) => l.startsWith('sim '));
  assert.equal(rows.length, 2);
  for (const row of rows) assert.match(row, /\sunknown\s+-\s+\?$/, row);
  assert.match(
    list.stdout,
    /note: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 has not answered since this command started, so every key's health is unknown here/,
  );
  assert.match(list.stderr, /the shared state store \(Redis at .*\) is unreachable/);
  const text = await runCliInProcess(['-c', config, 'auth', 'explain', 'sim'], { env });
  assert.match(text.stdout, /→ the next request uses .* \(by the config's order: its health is unknown here\)\n/);
  const explained = await runCliInProcess(['-c', config, 'auth', 'explain', 'sim', '--json'], { env });
  assert.equal(explained.code, 0, explained.stderr);
  assert.equal((JSON.parse(explained.stdout) as { health_known?: boolean }).health_known, false);
});
