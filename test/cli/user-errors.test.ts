// Bad input to every command, as a user would type it: a clear one-line message, no stack trace, exit 2 for a
// usage or config mistake (1 when the environment is broken), and never a full secret in what is printed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { assertNoSecrets, runCliInProcess, type CliResult } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { trustConfig } from '../../src/config/trust.ts';

const ENV_VALUE = 'sk-qa-from-the-shell-0001';
const DOTENV_VALUE = 'sk-qa-from-dotenv-file-0002';
const PASTED = 'sk-qa-pasted-twice-0003';
const SECRETS = [ENV_VALUE, DOTENV_VALUE, PASTED];

const CONFIG = `providers:
  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: "\${CFG_KEY}" }
main: { provider: mimo, model: m }
`;

function noStack(r: CliResult): void {
  assert.ok(!/\n\s+at .+:\d+/.test(r.stderr + r.stdout), `no stack trace:\n${r.stderr}`);
  assert.ok(!/internal error/.test(r.stderr), `a user error, not an internal one:\n${r.stderr}`);
}

/** A workspace with the config, .env and a scenario, removed when the test ends. */
function setup(t: TestContext): {
  run(args: string[], env?: Record<string, string>, input?: string): Promise<CliResult>;
  ws: ReturnType<typeof tempWorkspace>;
} {
  const ws = tempWorkspace('switchyard-qa-');
  t.after(() => ws.cleanup());
  ws.write('switchyard.yaml', CONFIG);
  // The user's own project config (a gateway runs only on a trusted one: src/config/local-env.ts).
  trustConfig(join(ws.dir, 'switchyard.yaml'), { SWITCHYARD_HOME: ws.home });
  ws.write('.env', `CFG_KEY=${DOTENV_VALUE}\n`);
  ws.write('scenario.yaml', 'keys: { sk-sim: {} }\n');
  return {
    ws,
    run: (args, env = {}, input) =>
      runCliInProcess(args, {
        cwd: ws.dir,
        env: { SWITCHYARD_HOME: ws.home, ...env },
        ...(input !== undefined ? { input } : {}),
      }),
  };
}

test('bad arguments to every command: a message, exit 2, no stack trace', async (t) => {
  const { run } = setup(t);
  const cases: [string[], RegExp][] = [
    [['auth', 'list', 'nope'], /unknown provider "nope"/],
    [['auth', 'explain', 'nope'], /unknown provider "nope"/],
    [['auth', 'add', 'nope'], /unknown provider "nope"/],
    [['auth', 'remove', 'nope', 'x'], /unknown provider "nope"/],
    [['auth', 'reset', 'nope'], /unknown provider "nope"/],
    [['auth', 'test', 'nope'], /unknown provider "nope"/],
    [['auth', 'explain'], /missing required argument/],
    [['auth', 'remove', 'mimo'], /missing required argument/],
    [['auth', 'remove', 'mimo', 'no-such-label'], /no stored key of mimo matches "no-such-label"/],
    [['auth', 'reset', 'mimo', 'no-such-label'], /no credential of mimo matches "no-such-label"/],
    [['auth', 'add', 'mimo', '--priority', 'high'], /--priority expects a whole number/],
    [['-c', 'missing.yaml', 'auth', 'list'], /config file .*missing\.yaml \(from --config\) does not exist/],
    [['config', 'show', '--config', 'missing.yaml'], /does not exist/],
    [['doctor', '--bogus'], /unknown option '--bogus'/],
    [['sim'], /required option '-s, --scenario <file>'/],
    [['sim', '--scenario', 'missing.yaml'], /scenario file not found/],
    [['sim', '--scenario', 'scenario.yaml', '--listen', 'nowhere'], /--listen: expected HOST:PORT/],
    [
      ['sim', '--scenario', 'scenario.yaml', '--listen', '127.0.0.1:99999'],
      /--listen: port 99999 is out of range \(0–65535; 0 picks a free one\)/,
    ],
    [['gateway', '--listen', '127.0.0.1:99999'], /--listen: port 99999 is out of range/],
    [['gateway', '--listen', 'nowhere'], /--listen: expected HOST:PORT/],
    [['gateway', '--listen', '300.1.1.1:0'], /--listen: 300\.1\.1\.1 is not an IPv4 address/],
    [
      ['sim', '--scenario', 'scenario.yaml', '--listen', '300.1.1.1:0'],
      /--listen: 300\.1\.1\.1 is not an IPv4 address/,
    ],
    [
      ['gateway', '--listen', 'nosuchhost.invalid:0'],
      /cannot listen on nosuchhost\.invalid:0: the host name (does not resolve|could not be looked up)/,
    ],
    [
      ['sim', '--scenario', 'scenario.yaml', '--listen', 'nosuchhost.invalid:0'],
      /cannot listen on nosuchhost\.invalid:0: the host name (does not resolve|could not be looked up)/,
    ],
    [['no-such-command'], /unknown command/],
    [['help', 'nonexist'], /^switchyard: unknown command 'nonexist' \(see `switchyard --help`\)$/m],
    [['help', 'gaetway'], /unknown command 'gaetway' \(did you mean gateway\? see `switchyard --help`\)/],
    [['help', 'gateway', 'key'], /unknown command 'key' \(did you mean keys\? see `switchyard gateway --help`\)/],
    [['gateway', 'key'], /unknown command 'key' \(did you mean keys\? see `switchyard gateway --help`\)/],
    [['gateway', 'service', '--force'], /--force only applies to --install/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args, {}, '');
    assert.equal(r.code, 2, `${args.join(' ')} → exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    noStack(r);
  }
});

test("a usage mistake commander catches: one line naming the command's --help, exit 2, no help text", async (t) => {
  const { run } = setup(t);
  const cases: [string[], string][] = [
    [['config', 'show', '--bogus'], "switchyard: unknown option '--bogus' (see `switchyard config show --help`)"],
    [
      ['config', 'show', '--jsn'],
      "switchyard: unknown option '--jsn' (did you mean --json? see `switchyard config show --help`)",
    ],
    [['auth', 'list', '--bogus'], "switchyard: unknown option '--bogus' (see `switchyard auth list --help`)"],
    [['bogus'], "switchyard: unknown command 'bogus' (see `switchyard --help`)"],
    [['gatway'], "switchyard: unknown command 'gatway' (did you mean gateway? see `switchyard --help`)"],
    [['config', 'bogus'], "switchyard: unknown command 'bogus' (see `switchyard config --help`)"],
    [['chat', '--session'], "switchyard: option '-s, --session <id>' argument missing (see `switchyard chat --help`)"],
    [['sessions', 'show'], "switchyard: missing required argument 'id' (see `switchyard sessions show --help`)"],
    [
      ['auth', 'remove', 'mimo'],
      "switchyard: missing required argument 'id-or-label' (see `switchyard auth remove --help`)",
    ],
    [
      ['auth', 'list', 'a', 'b'],
      "switchyard: too many arguments for 'list'. Expected 1 argument but got 2 (see `switchyard auth list --help`)",
    ],
  ];
  for (const [args, line] of cases) {
    const r = await run(args, {}, '');
    assert.equal(r.code, 2, `${args.join(' ')} → exit ${r.code}\n${r.stderr}`);
    assert.equal(r.stderr, `${line}\n`, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  // --help itself is untouched: the full help on stdout, exit 0.
  const help = await run(['config', 'show', '--help']);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: switchyard config show \[options\]\n[\s\S]*--explain[\s\S]*-h, --help/);
});

test('an address already in use: sim and gateway both exit 2 with the same message', async (t) => {
  const { run } = setup(t);
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const address = `127.0.0.1:${(busy.address() as AddressInfo).port}`;
  for (const args of [
    ['sim', '--scenario', 'scenario.yaml', '--listen', address],
    ['gateway', '--listen', address],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`cannot listen on ${address}: the address is already in use`), args[0]);
    noStack(r);
  }
});

test("help COMMAND [SUBCOMMAND] prints that command's help, exit 0", async (t) => {
  const { run } = setup(t);
  const r = await run(['help', 'gateway', 'keys']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: switchyard gateway keys /);
  const top = await run(['help']);
  assert.equal(top.code, 0, top.stderr);
  assert.match(top.stdout, /^Usage: switchyard /);
});

test('auth add: two keys pasted at once are refused without echoing either one', async (t) => {
  const { run } = setup(t);
  const r = await run(['auth', 'add', 'mimo'], {}, `${PASTED}\n${PASTED}x\n`);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /contains spaces or several lines; give exactly one key/);
  assert.ok(!r.stderr.includes(PASTED.slice(-4)), 'not even the last four characters');
  noStack(r);
});

test('a key read from ${VAR} that env and .env disagree on: auth warns once, naming both masked values', async (t) => {
  const { run } = setup(t);
  const r = await run(['auth', 'explain', 'mimo'], { CFG_KEY: ENV_VALUE });
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(warnings[0]!, /CFG_KEY is set in the environment \(sk-…0001\) and differently in .*\.env \(sk-…0002\)/);
  assert.match(r.stdout, /sk-…0001/, 'the environment wins');
});

test('a state directory that cannot hold the store: names the file, exit 1, no "internal error"', async (t) => {
  const { run, ws } = setup(t);
  const notADir = join(ws.dir, 'a-file');
  writeFileSync(notADir, 'x');
  for (const args of [
    ['auth', 'list'],
    ['chat', '-m', 'hi'],
    ['sessions', 'list'],
    ['sessions', 'show', 'x'],
  ]) {
    const r = await run(args, { SWITCHYARD_HOME: notADir });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /cannot open the state store .*a-file\/state\.db/);
    assert.match(r.stderr, /SWITCHYARD_HOME/);
    noStack(r);
  }

  // --json says what went wrong as a kind that agrees with the exit code: `config` is for the mistakes that exit 2.
  const json = await run(['chat', '-m', 'hi', '--json'], { SWITCHYARD_HOME: notADir });
  assert.equal(json.code, 1, json.stderr);
  const { in_effect: inEffect, ...out } = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.deepEqual(
    { ...out, error: '' },
    { session: null, error: '', kind: 'state', attempts: 0, failures: [], title: null },
  );
  // The store it could not open is the one named.
  assert.deepEqual((inEffect as { state: unknown }).state, { kind: 'sqlite', location: join(notADir, 'state.db') });
  assert.match(String(out['error']), /cannot open the state store .*a-file\/state\.db/);

  const broken = join(ws.dir, 'broken');
  ws.write('broken/state.db', 'this is not a database '.repeat(400));
  for (const args of [
    ['auth', 'explain', 'mimo'],
    ['chat', '-m', 'hi'],
    ['sessions', 'list'],
  ]) {
    const b = await run(args, { SWITCHYARD_HOME: broken });
    assert.equal(b.code, 1, `${args.join(' ')}: ${b.stderr}`);
    assert.match(b.stderr, /cannot open the state store .*broken\/state\.db: file is not a database/);
    noStack(b);
  }
});

test('never prints a full secret', () => {
  assertNoSecrets(SECRETS);
});

test('--version prints the package version and exits 0', async (t) => {
  const { run } = setup(t);
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) {
    const r = await run([flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  }
});
