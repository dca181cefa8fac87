// Every command once as a user types it, as a child process: the words, what it prints, its exit code. The other
// tests of a command run it in-process (runCliInProcess), which shares everything with this but the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Command } from 'commander';
import { assertNoSecrets, runCli } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';
import { fullProgram } from '../../src/cli/main.ts';
import { GOOD, SCENARIO, simProvider, startChatWorld } from '../sessions/harness.ts';

/** Commands spawned by the tests whose subject is the process (a server that waits for a signal); `--version` is
 * test/cli/version.test.ts. */
const SPAWNED_ELSEWHERE: Record<string, string> = {
  gateway: 'test/gateway/cli.test.ts (spawnGateway)',
  sim: 'test/sim/cli.test.ts',
  'sim mcp': 'test/mcp/gateway-mcp.test.ts (the gateway runs `sim mcp --stdio` as a local MCP server)',
  demo: 'test/e2e/demo.test.ts',
  'auth login': 'test/mcp/login.test.ts (the test opens the URL it prints, as a browser)',
};

const STORED = 'sk-smoke-stored-key-0000aaaa';

interface Case {
  args: string[];
  input?: string;
  code: number;
  stdout?: RegExp;
  stderr?: RegExp;
}

/** `config show`, `gateway keys create`: the commands with no subcommands (`gateway` itself runs the gateway). */
function leafCommands(program: Command, prefix: string[] = []): string[] {
  return program.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return c.commands.length === 0 ? [path.join(' ')] : leafCommands(c, path);
  });
}

test('every command runs as a child process: what it prints and its exit code', async () => {
  // `gateway wait` waits on gateway.listen: a free port, where nothing answers.
  const listen = `127.0.0.1:${await freePort()}`;
  await using w = await startChatWorld(SCENARIO, (url) => ({
    providers: { main: simProvider(url, GOOD) },
    main: { provider: 'main', model: 'sim-large' },
    gateway: { listen },
  }));
  const run = (c: Case) => runCli(c.args, { env: w.cliEnv, ...(c.input !== undefined ? { input: c.input } : {}) });
  const answered = await runCli(['chat', '-m', 'hello', '--json'], { env: w.cliEnv });
  assert.equal(answered.code, 0, answered.stderr);
  const session = (JSON.parse(answered.stdout) as { session: string }).session;
  const cases: Case[] = [
    { args: ['config', 'check'], code: 0, stdout: /^ok: .*switchyard\.yaml \(1 provider, main main\/sim-large\)$/m },
    { args: ['config', 'show'], code: 0, stdout: /^main:\n {2}provider: main$/m },
    { args: ['config', 'init', '--path', join(w.home, 'new.yaml')], code: 0, stdout: /^wrote .*new\.yaml$/m },
    { args: ['config', 'trust', '--list'], code: 0, stdout: /new\.yaml/ },
    { args: ['auth', 'list'], code: 0, stdout: /^main\s+/m },
    { args: ['auth', 'explain', 'main'], code: 0, stdout: /^main \(strategy /m },
    { args: ['auth', 'add', 'main', '--label', 'smoke'], input: STORED, code: 0, stdout: /smoke/ },
    { args: ['auth', 'rebind', 'main', 'smoke'], code: 0, stdout: /smoke/ },
    { args: ['auth', 'remove', 'main', 'smoke'], code: 0, stdout: /smoke/ },
    { args: ['auth', 'reset', 'main'], code: 0, stdout: /^main /m },
    { args: ['auth', 'test', 'main'], code: 0, stdout: /valid/ },
    { args: ['auth', 'refresh', 'main'], code: 2, stderr: /main has no minted credential to refresh/ },
    { args: ['doctor'], code: 0, stdout: /^config {3}ok/m },
    { args: ['chat', '-m', 'again', '--session', session], code: 0, stdout: /^\[sim-large\] reply to: again\n$/ },
    { args: ['chat'], input: 'piped\n', code: 0, stdout: /^\[sim-large\] reply to: piped$/m },
    { args: ['sessions', 'list'], code: 0, stdout: new RegExp(session.slice(0, 8)) },
    { args: ['sessions', 'show', session], code: 0, stdout: /reply to: again/ },
    { args: ['sessions', 'rm', session], code: 0, stdout: /^removed session / },
    { args: ['usage', '--by', 'route'], code: 0, stdout: /^(no usage since|route )/m },
    { args: ['usage', '--by', 'tool'], code: 0, stdout: /^no tool calls since/m },
    { args: ['usage', 'prices'], code: 0, stdout: /^main\/sim-large\s+main\S*\s/m },
    { args: ['usage', 'migrate'], code: 0, stdout: /^usage ledger \(sqlite\): schema (version|at version)/ },
    { args: ['usage', 'audit'], code: 0, stdout: /^no actions since/m },
    { args: ['gateway', 'keys', 'create', '--name', 'smoke'], code: 0, stdout: /Copy it now/ },
    { args: ['gateway', 'keys', 'list'], code: 0, stdout: /^\S+\s+smoke\s+sy-/m },
    {
      args: ['gateway', 'keys', 'update', 'smoke', '--mcp-tools', 'x__*'],
      code: 0,
      stdout: /^Updated gateway key "smoke"/,
    },
    { args: ['gateway', 'keys', 'show', 'smoke'], code: 0, stdout: /MCP allow-list \(deny by default\)/ },
    { args: ['gateway', 'keys', 'revoke', 'smoke'], code: 0, stdout: /^Revoked gateway key "smoke"/ },
    { args: ['gateway', 'service', '--print', '--allow-clone'], code: 0, stdout: /^\[Service\]$/m },
    { args: ['gateway', 'wait', '--timeout', '100ms'], code: 1, stderr: /the gateway did not answer .* within 100ms/ },
    { args: ['completion', 'bash'], code: 0, stdout: /^complete -o default -F _switchyard switchyard$/m },
    { args: ['help', 'config'], code: 0, stdout: /^Usage: switchyard config/ },
    { args: ['usage', 'budgets'], code: 0, stdout: /^no budgets are configured/ },
  ];
  for (const c of cases) {
    const r = await run(c);
    const what = `switchyard ${c.args.join(' ')} → exit ${r.code}\n${r.stderr}`;
    assert.equal(r.code, c.code, what);
    if (c.stdout) assert.match(r.stdout, c.stdout, what);
    if (c.stderr) assert.match(r.stderr, c.stderr, what);
  }
  assertNoSecrets([GOOD, STORED]);

  const covered = new Set(cases.map((c) => c.args.filter((a) => !a.startsWith('-')).join(' ')));
  for (const command of leafCommands(await fullProgram())) {
    const spawned = [...covered].some((words) => words === command || words.startsWith(`${command} `));
    assert.ok(spawned || Object.hasOwn(SPAWNED_ELSEWHERE, command), `no spawned smoke test of switchyard ${command}`);
  }
});
