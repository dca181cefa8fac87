// `usage budgets` with `gateway.state: redis://…` that does not answer: the figures are this state directory's own,
// said as held locally, with the most it admits of each budget meanwhile (LOCAL CAP; `held_locally_cap` in --json).
// No Redis server is needed: a closed port plays the outage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { closedPort } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('Redis unreachable: usage budgets says the budgets are held locally and gives the local cap of each', async (t) => {
  const ws = tempWorkspace('switchyard-usage-budgets-redis-down-');
  t.after(() => ws.cleanup());
  const port = await closedPort();
  const config = ws.write(
    'switchyard.yaml',
    [
      'providers:',
      '  sim: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: sk-budgets-redis-down-0001 }',
      'main: { provider: sim, model: m }',
      'budgets:',
      '  spend: { all: true, usd: { day: 5 } }',
      `gateway: { state: "redis://127.0.0.1:${port}/0" }`,
      '',
    ].join('\n'),
  );
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const text = await runCliInProcess(['-c', config, 'usage', 'budgets'], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^held locally since .*: the shared budget store \(Redis\) does not answer;.*LOCAL CAP is/m,
  );
  // Never read from Redis and no other replica counted: the whole limit is this one's.
  assert.match(text.stdout, /LOCAL CAP\n.*\$5\.00\n/);
  const json = await runCliInProcess(['-c', config, 'usage', 'budgets', '--json'], { env });
  assert.equal(json.code, 0, json.stderr);
  const [row] = JSON.parse(json.stdout) as { held_locally_since?: string; held_locally_cap?: number }[];
  assert.ok(row?.held_locally_since !== undefined);
  assert.equal(row.held_locally_cap, 5);
});
