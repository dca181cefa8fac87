// Shell completion generated from the program (`switchyard completion bash|zsh|fish`), run in each shell that is
// installed; and -c/--config in every command's help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fullProgram } from '../../src/cli/main.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'true'], { stdio: 'ignore' }).status === 0;

/** What bash offers for `words` (the last one being completed), with the script the CLI printed. */
function bashComplete(script: string, words: string[]): string[] {
  const line = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _switchyard; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

test("bash: commands, subcommands after global options, each command's options, option choices", async () => {
  const r = await runCliInProcess(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  const script = r.stdout;
  const top = bashComplete(script, ['switchyard', '']);
  // Every command `switchyard --help` lists is offered.
  const help = (await runCliInProcess(['--help'])).stdout;
  const listed = [...help.matchAll(/^ {2}([a-z]+)(?: \[options\]| <|\s|$)/gm)].map((m) => m[1]!);
  assert.ok(listed.length >= 9, help);
  for (const name of listed) assert.ok(top.includes(name), `${name} is offered`);
  assert.deepEqual(bashComplete(script, ['switchyard', '--config', 'x.yaml', 'auth', 're']), [
    'remove',
    'rebind',
    'reset',
    'refresh',
  ]);
  assert.deepEqual(bashComplete(script, ['switchyard', 'gateway', 'keys', '']).slice(0, 3), [
    'create',
    'list',
    'revoke',
  ]);
  assert.deepEqual(bashComplete(script, ['switchyard', 'gateway', '--log-format', '']), ['pretty', 'json']);
  assert.deepEqual(bashComplete(script, ['switchyard', 'auth', 'explain', 'mimo', '--j']), ['--json']);
  assert.deepEqual(bashComplete(script, ['switchyard', 'chat', '--no-s']), ['--no-session']);
  // After an option that takes a value, nothing of ours: the shell completes file names.
  assert.deepEqual(bashComplete(script, ['switchyard', '--config', '']), []);
});

test(
  'zsh (through its bash emulation) and fish complete the same tree',
  { skip: !has('zsh') && !has('fish') && 'neither zsh nor fish is installed' },
  async (t) => {
    const ws = tempWorkspace();
    t.after(() => ws.cleanup());
    if (has('zsh')) {
      const script = ws.write('sy.zsh', (await runCliInProcess(['completion', 'zsh'])).stdout);
      const r = spawnSync(
        'zsh',
        [
          '-f',
          '-c',
          `autoload -U compinit && compinit -u -D; source ${script}; emulate sh -c 'COMP_WORDS=(switchyard gateway keys ""); COMP_CWORD=3; _switchyard; echo "\${COMPREPLY[@]}"'`,
        ],
        { encoding: 'utf8', env: { HOME: ws.dir, PATH: process.env['PATH'] ?? '' } },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^create list revoke /);
    } else t.diagnostic('zsh is not installed: skipped');
    if (has('fish')) {
      const script = join(ws.dir, 'sy.fish');
      writeFileSync(script, (await runCliInProcess(['completion', 'fish'])).stdout);
      const complete = (line: string): string[] => {
        const r = spawnSync('fish', ['--no-config', '-c', `source ${script}; complete -C ${JSON.stringify(line)}`], {
          encoding: 'utf8',
          env: { HOME: ws.dir, PATH: process.env['PATH'] ?? '' },
        });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t')[0]!);
      };
      assert.deepEqual(complete('switchyard --config x auth re').sort(), ['rebind', 'refresh', 'remove', 'reset']);
      assert.deepEqual(complete('switchyard gateway --log-format ').sort(), ['json', 'pretty']);
      assert.ok(complete('switchyard gateway keys ').includes('revoke'));
    } else t.diagnostic('fish is not installed: skipped');
  },
);

test('completion of an unknown shell is refused (exit 2)', async () => {
  const r = await runCliInProcess(['completion', 'tcsh']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^switchyard: completion: expected one of bash, zsh, fish, got "tcsh"\n$/);
});

test('-c/--config is in the help of every command', async () => {
  const walk = (cmd: Command): Command[] => [cmd, ...cmd.commands.flatMap(walk)];
  for (const cmd of walk(await fullProgram()))
    assert.match(cmd.helpInformation(), /-c, --config <file>/, `${cmd.name()} --help`);
  for (const args of [
    ['auth', 'list', '--help'],
    ['gateway', 'keys', 'create', '--help'],
    ['sessions', 'show', '--help'],
  ]) {
    const r = await runCliInProcess(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Global Options:\n(?:.*\n)*? {2}-c, --config <file> +config file/, args.join(' '));
  }
});
