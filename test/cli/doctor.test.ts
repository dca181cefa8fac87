// `switchyard doctor` against a provider nothing listens for: the tasks section blames the connection, not the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { freePort } from '../helpers/net.ts';

test('doctor: a route whose provider is unreachable says so in the tasks section', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const port = await freePort();
  ws.write(
    'switchyard.yaml',
    `providers:
  down: { type: openai, base_url: http://127.0.0.1:${port}/v1, api_key: sk-doctor-down-0001 }
main: { provider: down, model: m }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  const r = await runCliInProcess(['doctor'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /unreachable/);
  assert.match(r.stdout, /down\/m: down could not be reached \(see its probe\)/);
  assert.doesNotMatch(r.stdout, /no key of down is valid/);
  // --json says the same (the note is routing's, not the CLI's rendering).
  const json = await runCliInProcess(['doctor', '--json'], { cwd: ws.dir, env: { SWITCHYARD_HOME: ws.home } });
  const report = JSON.parse(json.stdout) as { tasks: { routes: { route: string; note?: string }[] }[] };
  assert.match(report.tasks[0]?.routes[0]?.note ?? '', /could not be reached/);
});

test('doctor: with Redis unreachable the state store is said to be degraded, and why — in text and --json', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const [provider, redis] = [await freePort(), await freePort()];
  const config = ws.write(
    'switchyard.yaml',
    `providers:
  down: { type: openai, base_url: http://127.0.0.1:${provider}/v1, api_key: sk-doctor-down-0001 }
main: { provider: down, model: m }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
gateway: { state: "redis://127.0.0.1:${redis}/0" }
`,
  );
  const env = { SWITCHYARD_HOME: ws.home, HOME: ws.dir };
  const r = await runCliInProcess(['doctor', '--config', config], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /state +FAIL +redis at redis:\/\/127\.0\.0\.1:\d+\/0: /);
  assert.match(
    r.stdout,
    /\n +degraded \(shared_store_unreachable\): requests are served; Redis is unreachable: each gateway keeps its state to itself until it answers\n/,
  );
  const json = await runCliInProcess(['doctor', '--json', '--config', config], { env });
  const report = JSON.parse(json.stdout) as { store: { ok: boolean; degradedBy?: string[] } };
  assert.deepEqual([report.store.ok, report.store.degradedBy], [false, ['shared_store_unreachable']]);
});

test('doctor: warns as config check does of a budget on no stored client key and an MCP command not on PATH', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const port = await freePort();
  const config = ws.write(
    'switchyard.yaml',
    `providers:
  down: { type: openai, base_url: http://127.0.0.1:${port}/v1, api_key: sk-doctor-down-0001 }
main: { provider: down, model: m }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
budgets:
  laptop-day: { client_key: laptp, requests: { day: 10 } }
mcp:
  servers:
    files: { command: [no-such-mcp-server-xyz] }
`,
  );
  const env = { SWITCHYARD_HOME: ws.home, PATH: process.env['PATH'] ?? '' };
  // Named with --config: one found in the current directory, not trusted, would not start its MCP commands at all.
  const made = await runCliInProcess(['--config', config, 'gateway', 'keys', 'create', 'laptop'], { env });
  assert.equal(made.code, 0, made.stderr);
  const r = await runCliInProcess(['--config', config, 'doctor'], { env });
  assert.match(
    r.stdout,
    /warning: budgets\.laptop-day\.client_key: no client key is named `laptp` \(did you mean `laptop`\?\)/,
  );
  assert.match(r.stdout, /warning: mcp\.servers\.files\.command: `no-such-mcp-server-xyz` is not on PATH/);
});
