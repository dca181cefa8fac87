// examples/clouds/run.sh end to end, as its README runs it: the simulator and a gateway as child processes, one
// plain, one streamed and one Claude Code-shaped request with a tool to each cloud type, `ok TYPE` for each (Bedrock
// again after its assumed role's session expired), exit 0,
// and none of the example's secrets (the AWS secret and session token, the API keys) in what it printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.ts';

const curl = spawnSync('curl', ['--version']).status === 0;

test(
  'the clouds example answers through azure, gemini, vertex and bedrock',
  { skip: curl ? false : 'needs curl, which run.sh uses' },
  () => {
    const r = spawnSync('bash', [join(REPO_ROOT, 'examples', 'clouds', 'run.sh')], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env['PATH'] ?? ''}` },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'ok azure',
      'ok gemini',
      'ok vertex',
      'ok bedrock',
      'ok bedrock after its session expired',
    ]);
    for (const secret of [
      'exampleSecretAccessKey',
      'IQoJsim-sts-session-token',
      'AIza-example-gemini-key-0000003',
      'azure-example-key-000000000001',
    ])
      assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), secret);
    assert.match(r.stderr, /bedrock\/us\.anthropic\.claude-sonnet-4-5-20250929-v1:0\s+6\b/);
  },
);
