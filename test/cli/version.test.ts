// `switchyard --version` answers from package.json before the CLI is loaded (loading it cost ~0.75 s of CPU; the
// answer now costs ~0.02 s): shown by a copy of the command with nothing to load beside it, which still answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT, runCli } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('--version and -V print the package version without loading the CLI (no src/ or dist/ beside the command)', (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.dir, 'pkg', 'bin'), { recursive: true });
  copyFileSync(CLI, join(ws.dir, 'pkg', 'bin', 'switchyard.js'));
  copyFileSync(join(REPO_ROOT, 'package.json'), join(ws.dir, 'pkg', 'package.json'));
  for (const flag of ['--version', '-V']) {
    const r = spawnSync(process.execPath, [join(ws.dir, 'pkg', 'bin', 'switchyard.js'), flag], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    assert.equal(r.stderr, '');
  }
  // Anything else needs the CLI, and says it is missing.
  const other = spawnSync(process.execPath, [join(ws.dir, 'pkg', 'bin', 'switchyard.js'), '--version', 'x'], {
    encoding: 'utf8',
  });
  assert.equal(other.status, 2);
  assert.match(other.stderr, /reinstall the package/);
});

test('the real command prints the same version', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${VERSION}\n`);
});
