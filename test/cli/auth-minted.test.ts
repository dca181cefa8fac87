// The auth commands with minted credentials: `auth list`/`explain` say what gives the token, when it was minted and
// expires, or why the last mint failed (never the token); `auth refresh` mints now; `auth test` and `doctor` report a
// failed mint apart from the provider's answer; an untrusted ./switchyard.yaml runs no command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../helpers/token-script.ts';

const ws = tempWorkspace('switchyard-auth-minted-');
let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator({ scenario: { keys: { 'tok-cli-minted-0001': {} } } });
});
after(async () => {
  await sim.close();
  ws.cleanup();
});

function config(name: string, steps: Parameters<typeof writeTokenScript>[1]): { path: string; script: string } {
  const script = writeTokenScript(join(ws.dir, `${name}.json`), steps);
  const path = ws.write(
    `${name}/switchyard.yaml`,
    `providers:
  p:
    type: openai
    base_url: ${sim.url}/v1
    api_key_command: { run: ${JSON.stringify(tokenCommand(script))} }
main: { provider: p, model: sim-large }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
`,
  );
  return { path, script };
}

const env = (): Record<string, string> => ({ SWITCHYARD_HOME: join(ws.dir, 'home') });

test('auth list shows a minted credential by its source; refresh mints, and list then says when it expires — never the token', async () => {
  const c = config('listing', [{ json: { token: 'tok-cli-minted-0001', expires_in: 3600 } }]);
  const before = await runCliInProcess(['auth', 'list', 'p', '--config', c.path], { env: env() });
  assert.equal(before.code, 0, before.stderr);
  assert.match(before.stdout, /command node/);
  assert.match(before.stdout, /not minted yet/);
  const refreshed = await runCliInProcess(['auth', 'refresh', 'p', '--config', c.path], { env: env() });
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(
    refreshed.stdout,
    /minted a new token from command node; it expires (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );
  const after = await runCliInProcess(['auth', 'explain', 'p', '--config', c.path], { env: env() });
  assert.match(
    after.stdout,
    /command node \(providers\.p\.api_key_command\): minted (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(forced by `auth refresh`\); expires (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d/,
  );
  const json = JSON.parse(
    (await runCliInProcess(['auth', 'list', 'p', '--json', '--config', c.path], { env: env() })).stdout,
  ) as {
    providers: {
      minted: { source: string; expires_at?: string; mint_reason?: string }[];
      candidates: { credential: Record<string, unknown> }[];
    }[];
  };
  assert.equal(json.providers[0]!.minted[0]!.source, 'command node');
  assert.ok(json.providers[0]!.minted[0]!.expires_at);
  assert.equal(json.providers[0]!.minted[0]!.mint_reason, 'forced');
  assert.equal(
    json.providers[0]!.candidates[0]!.credential['minted'],
    undefined,
    "the source's settings are not shown",
  );
  for (const out of [before, refreshed, after]) assert.doesNotMatch(out.stdout + out.stderr, /tok-cli-minted-0001/);
});

test('auth test and doctor report a failed mint as such; the provider is not asked', async () => {
  const c = config('failing', [{ exit: 7, print: 'tok-should-never-show' }]);
  const t = await runCliInProcess(['auth', 'test', 'p', '--config', c.path], { env: env() });
  assert.equal(t.code, 1);
  assert.match(t.stdout, /\(minted\) +command node +\d+ms +could not mint a token\n/, 'RESULT says it in words');
  assert.match(
    t.stdout,
    /could not mint a token \(providers\.p\.api_key_command\): command node: node exited with code 7.*p was not asked/,
  );
  const d = await runCliInProcess(['doctor', '--config', c.path], { env: env() });
  assert.equal(d.code, 1);
  assert.match(d.stdout, /p's token could not be minted \(see its probe\); p itself was not asked/);
  const list = await runCliInProcess(['auth', 'list', 'p', '--config', c.path], { env: env() });
  assert.match(list.stdout, /last mint failed at \d\d:\d\d:\d\d: command node: node exited with code 7/);
  for (const out of [t, d, list]) assert.doesNotMatch(out.stdout + out.stderr, /tok-should-never-show|stderr text/);
});

test('auth refresh of a command that fails says why, in words and in --json, and exits 1', async () => {
  const c = config('refresh-failing', [{ exit: 7, print: 'tok-should-never-show' }]);
  const r = await runCliInProcess(['auth', 'refresh', 'p', '--config', c.path], { env: env() });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^p [0-9a-f]+: could not mint a token: command node: node exited with code 7/);
  const j = await runCliInProcess(['auth', 'refresh', 'p', '--json', '--config', c.path], { env: env() });
  assert.equal(j.code, 1);
  const [result] = (JSON.parse(j.stdout) as { results: { ok: boolean; failure?: string; error?: string }[] }).results;
  assert.equal(result?.ok, false);
  assert.equal(result?.failure, 'exit');
  assert.match(result?.error ?? '', /^command node: node exited with code 7/);
  for (const out of [r, j]) assert.doesNotMatch(out.stdout + out.stderr, /tok-should-never-show/);
});

test('auth refresh of a provider with no minted credential says so', async () => {
  const path = ws.write(
    'static/switchyard.yaml',
    `providers: { s: { type: openai, base_url: ${sim.url}/v1, api_key: sk-static-key-000001 } }\n`,
  );
  const r = await runCliInProcess(['auth', 'refresh', 's', '--config', path], { env: env() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /s has no minted credential to refresh/);
});

test('a ./switchyard.yaml found in the current directory and not trusted runs no key command', async () => {
  const c = config('untrusted', ['tok-cli-minted-0001']);
  const r = await runCliInProcess(['config', 'check'], { cwd: join(ws.dir, 'untrusted'), env: env() });
  assert.match(r.stdout + r.stderr, /providers\.p\.api_key_command is not used: .* is not trusted to run commands/);
  await runCliInProcess(['auth', 'test'], { cwd: join(ws.dir, 'untrusted'), env: env() });
  assert.equal(tokenScriptRuns(c.script), 0);
});

test('auth list, explain and test say why an untrusted ./switchyard.yaml has no minted key — on stderr and in --json', async () => {
  const c = config('untrusted-list', ['tok-cli-minted-0001']);
  ws.write(
    'untrusted-list/switchyard.yaml',
    `providers:
  p:
    type: openai
    base_url: ${sim.url}/v1
    api_key_command: { run: ${JSON.stringify(tokenCommand(c.script))} }
main: { provider: p, model: sim-large }
auxiliary:
  title_generation: { provider: p, model: sim-small, api_key_file: ./title-key }
  compression: { provider: none }
`,
  );
  const cwd = join(ws.dir, 'untrusted-list');
  const warning =
    /warning: providers\.p\.api_key_command, auxiliary\.title_generation\.api_key_file are not used: \S*switchyard\.yaml was found in the current directory and is not trusted to run commands, read files or ask for tokens with your credentials; `switchyard config trust` if the file is yours/;
  for (const args of [
    ['auth', 'list'],
    ['auth', 'explain', 'p'],
    ['auth', 'test'],
  ]) {
    const r = await runCliInProcess(args, { cwd, env: env() });
    assert.match(r.stderr, warning, args.join(' '));
  }
  const explain = await runCliInProcess(['auth', 'explain', 'p'], { cwd, env: env() });
  assert.match(
    explain.stdout,
    /looked in providers\.p\.api_key, providers\.p\.api_key_command \(written, but not used: a \.\/switchyard\.yaml found in the current directory and not trusted may not run commands, read files or ask for tokens with your credentials\), .*; if this \.\/switchyard\.yaml is yours, `switchyard config trust` lets it mint its key/,
  );
  for (const args of [
    ['auth', 'list', '--json'],
    ['auth', 'explain', 'p', '--json'],
    ['auth', 'test', '--json'],
  ]) {
    const json = JSON.parse((await runCliInProcess(args, { cwd, env: env() })).stdout) as {
      config_warnings?: string[];
    };
    assert.match(
      json.config_warnings?.[0] ?? '',
      /providers\.p\.api_key_command, auxiliary\.title_generation\.api_key_file are not used/,
      args.join(' '),
    );
  }
  const doctor = await runCliInProcess(['doctor', '--json'], { cwd, env: env() });
  assert.match(
    JSON.stringify(JSON.parse(doctor.stdout)),
    /providers\.p\.api_key_command, auxiliary\.title_generation\.api_key_file are not used/,
  );
  assert.equal(tokenScriptRuns(c.script), 0);
});

test('config check does not call a provider whose key is minted keyless', async () => {
  const c = config('keyless', ['tok-cli-minted-0001']);
  const r = await runCliInProcess(['config', 'check', '--config', c.path], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /no API key/);
  assert.equal(tokenScriptRuns(c.script), 0, 'config check mints nothing');
});

test('config show --explain says a command given as a string runs by sh -c, at the line it is written', async () => {
  const path = ws.write(
    'shell/switchyard.yaml',
    `providers:\n  p:\n    type: openai\n    base_url: ${sim.url}/v1\n    api_key_command: gcloud auth print-access-token\n`,
  );
  const r = await runCliInProcess(['config', 'show', '--explain', '--config', path], { env: env() });
  assert.match(
    r.stdout,
    /providers\.p\.api_key_command\.run +gcloud auth print-access-token {2}\(run by sh -c\) +\S*switchyard\.yaml:5/,
  );
});
