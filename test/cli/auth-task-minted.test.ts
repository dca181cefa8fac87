// A task's own minted key in the CLI: `auth list`/`explain` show it under its provider with its source, expiry and
// last mint (never the token); `auth refresh P ID` mints it by its ID; `auth test` and `doctor` report a failed mint
// apart from the provider's answer; `config check` and `config show` say it at file:line. Real CLI, the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../helpers/token-script.ts';

const PROVIDER_KEY = 'sk-task-minted-provider-01';
const TOKEN = 'tok-task-minted-cli-0001';

const ws = tempWorkspace('switchyard-task-minted-cli-');
let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator({ scenario: { keys: { [PROVIDER_KEY]: {}, [TOKEN]: {} } } });
});
after(async () => {
  await sim.close();
  ws.cleanup();
});

/** `own`: the title task's own key, as YAML lines under it (indented by four spaces). */
function config(name: string, own: string): string {
  return ws.write(
    `${name}/switchyard.yaml`,
    `providers:
  p: { type: openai, base_url: ${sim.url}/v1, api_key: ${PROVIDER_KEY} }
main: { provider: p, model: sim-large }
auxiliary:
  title_generation:
    provider: p
    model: sim-small
${own}  compression: { provider: none }
`,
  );
}

const env = (): Record<string, string> => ({ SWITCHYARD_HOME: join(ws.dir, 'home') });
const run = (args: string[], path: string) => runCliInProcess([...args, '--config', path], { env: env() });

test("auth list, explain and refresh show a task's own minted key under its provider, by its source — never the token", async () => {
  const script = writeTokenScript(join(ws.dir, 'listing.json'), [{ json: { token: TOKEN, expires_in: 3600 } }]);
  const path = config('listing', `    api_key_command: ${JSON.stringify(tokenCommand(script))}\n`);

  const list = await run(['auth', 'list', 'p'], path);
  assert.equal(list.code, 0, list.stderr);
  const row = list.stdout.split('\n').find((l) => l.includes('auxiliary.title_generation')) ?? '';
  assert.match(row, /^p\s+-\s+(\w+)\s+\(minted\)\s+auxiliary\.title_generation\.api_key_command ← command node\s+ok/);
  const id = /^p\s+-\s+(\w+)/.exec(row)?.[1] ?? '';
  assert.match(
    list.stdout,
    new RegExp(`p ${id}: command node \\(auxiliary\\.title_generation\\.api_key_command\\): not minted yet`),
  );

  const refreshed = await run(['auth', 'refresh', 'p', id.slice(0, 6)], path);
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(
    refreshed.stdout,
    new RegExp(
      `p ${id}: minted a new token from command node; it expires (?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d:\\d\\d`,
    ),
  );
  assert.equal(tokenScriptRuns(script), 1);

  const explain = await run(['auth', 'explain', 'p'], path);
  assert.match(explain.stdout, /tasks' own keys \(each tried first by its task, before the keys above\):/);
  assert.match(explain.stdout, new RegExp(`→ title_generation uses its own key \\(minted\\) \\(${id}\\) first`));
  assert.match(
    explain.stdout,
    /command node \(auxiliary\.title_generation\.api_key_command\): minted (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(forced by `auth refresh`\); expires (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );
  const json = JSON.parse((await run(['auth', 'list', 'p', '--json'], path)).stdout) as {
    providers: { minted: { id: string; setting: string; expires_at?: string }[]; task_keys: { task: string }[] }[];
  };
  assert.deepEqual(
    json.providers[0]!.minted.map((m) => [m.id, m.setting, typeof m.expires_at]),
    [[id, 'auxiliary.title_generation.api_key_command', 'string']],
  );
  assert.deepEqual(
    json.providers[0]!.task_keys.map((k) => k.task),
    ['title_generation'],
  );

  const test = await run(['auth', 'test', 'p', id], path);
  assert.equal(test.code, 0, test.stdout);
  assert.match(test.stdout, /auxiliary\.title_generation\.api_key_command ← command node\s+\d+ms\s+valid/);
  for (const out of [list, refreshed, explain, test]) assert.doesNotMatch(out.stdout + out.stderr, new RegExp(TOKEN));
});

test("auth test and doctor say a task's own key could not be minted, apart from the provider's answer", async () => {
  const script = writeTokenScript(join(ws.dir, 'failing.json'), [{ exit: 4, print: 'tok-should-never-show' }]);
  const path = config('failing', `    api_key_command: ${JSON.stringify(tokenCommand(script))}\n`);
  const t = await run(['auth', 'test'], path);
  assert.equal(t.code, 1, 'a task key that cannot be minted is not "all valid"');
  assert.match(
    t.stdout,
    /p \(minted\) \(title_generation's own key\): could not mint a token \(auxiliary\.title_generation\.api_key_command\): command node: node exited with code 4 .*; p was not asked/,
  );
  assert.match(t.stdout, /p\s+\w+\s+sk-…r-01\s+config key\s+\d+ms\s+valid/);
  assert.match(
    t.stdout,
    /p\s+\w+\s+\(minted\)\s+auxiliary\.title_generation\.api_key_command ← command node\s+\d+ms\s+could not mint a token/,
  );
  const d = await run(['doctor'], path);
  assert.equal(d.code, 1);
  assert.match(
    d.stdout,
    /its own key \(minted\) \(auxiliary\.title_generation\.api_key_command\) is mint_failed; the provider's other keys answer instead/,
  );
  for (const out of [t, d]) assert.doesNotMatch(out.stdout + out.stderr, /tok-should-never-show|stderr text/);
});

test("config check names a task's key given twice at its line; config show says a task's string command runs by sh -c", async () => {
  const both = config('both', '    api_key: sk-task-written-key-0009\n    api_key_command: op read op://vault/title\n');
  const check = await run(['config', 'check'], both);
  assert.equal(check.code, 2);
  assert.match(
    check.stderr,
    /switchyard\.yaml:9:\d+: auxiliary\.title_generation\.api_key_command: give the task's own key as api_key or as api_key_command, not both/,
  );
  const shell = config('shell', '    api_key_command: op read op://vault/title\n');
  const show = await run(['config', 'show', '--explain'], shell);
  assert.match(
    show.stdout,
    /auxiliary\.title_generation\.api_key_command\.run +op read op:\/\/vault\/title {2}\(run by sh -c\) +\S*switchyard\.yaml:8/,
  );
  const auto = ws.write(
    'auto/switchyard.yaml',
    `providers: { p: { type: openai, base_url: ${sim.url}/v1, api_key: ${PROVIDER_KEY} } }
main: { provider: p, model: sim-large }
auxiliary: { title_generation: { oauth2: { token_url: ${sim.url}/oauth2/token, client_id: app, client_secret: x } } }
`,
  );
  const unused = await run(['config', 'check'], auto);
  assert.match(unused.stdout + unused.stderr, /auxiliary\.title_generation\.oauth2 is not used: with provider: auto/);
});

test("a task's oauth2 client secret is never in auth or doctor output, --json included", async () => {
  const secret = 'task-client-secret-value-77';
  const path = config(
    'secret',
    `    oauth2: { token_url: ${sim.url}/oauth2/token, client_id: titles, client_secret: ${secret} }\n`,
  );
  for (const args of [
    ['auth', 'list', '--json'],
    ['auth', 'explain', 'p', '--json'],
    ['auth', 'explain', 'p'],
    ['auth', 'test', '--json'],
    ['doctor', '--json'],
  ]) {
    const r = await run(args, path);
    assert.match(r.stdout, /auxiliary\.title_generation\.oauth2/, args.join(' '));
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(secret), args.join(' '));
  }
});
