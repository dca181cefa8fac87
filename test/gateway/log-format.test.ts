// The gateway's log lines as a person reads them: `--log-format pretty` (pino-pretty), the default on a terminal, and
// JSON when stderr is a pipe or the journal. Pretty re-renders the redacted, scrubbed JSON: a key-shaped string sent
// by a caller is masked there as in JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { CLI, runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

const SENT = 'sk-proj-callersentthisinthemodel0000abcd';
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

/** `using w = workspace()` removes it when the test's scope ends. */
function workspace() {
  const ws = tempWorkspace('switchyard-gw-logs-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { sim: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-log-format-key-000000001' } },
      main: { provider: 'sim', model: 'sim-large' },
      gateway: { require_keys: false },
    }),
  );
  return { configPath, env: { HOME: ws.dir, SWITCHYARD_HOME: ws.home }, [Symbol.dispose]: () => ws.cleanup() };
}

test('--log-format pretty: one readable line per event, scrubbed as the JSON is; json is the default on a pipe', async (t) => {
  using w = workspace();
  const { configPath, env } = w;
  await using gw = await spawnGateway(t, ['--config', configPath, '--log-format', 'pretty'], env);
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: SENT, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 404);
  await res.arrayBuffer();
  await until('the request line', () => / INFO: request \{/.test(gw.stderr()));
  assert.match(gw.stderr(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening \{"url":"http:\/\/127\.0\.0\.1:\d+"/m);
  assert.match(gw.stderr(), /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request \{.*"status":404/m);
  assert.ok(!gw.stderr().includes(SENT), 'the key-shaped model name is masked');
  assert.ok(gw.stderr().includes('…abcd'), gw.stderr());
  assert.doesNotMatch(gw.stderr(), /^\{"level"/m, 'no JSON lines');

  await using json = await spawnGateway(t, ['--config', configPath], env);
  await until('a JSON line', () => /^\{"level":30,.*"msg":"gateway listening"\}$/m.test(json.stderr()));

  const bad = await runCliInProcess(['gateway', '--config', configPath, '--log-format', 'xml'], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /argument 'xml' is invalid\. Allowed choices are pretty, json/);
});

test(
  'on a terminal the gateway logs pretty by default',
  { skip: !hasScript && 'util-linux script not found', timeout: 60_000 },
  async (t) => {
    using w = workspace();
    const { configPath, env } = w;
    const child = spawn(
      'script',
      [
        '-qfec',
        `exec '${process.execPath}' '${CLI}' gateway --listen 127.0.0.1:0 --config '${configPath}'`,
        '/dev/null',
      ],
      { env: { PATH: process.env['PATH'] ?? '', ...env, NO_COLOR: '1' }, stdio: 'pipe' },
    );
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    t.after(async () => {
      child.kill('SIGTERM');
      await exited;
    });
    await until('the listening line', () => /INFO: gateway listening/.test(screen), 30_000);
    assert.match(screen, /\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening \{/);
    assert.doesNotMatch(screen, /\{"level":/);
  },
);
