// examples/ai-sdk runs as its README says (`npm run example:ai-sdk`), in a process of its own as a user runs it, and
// prints what the README shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.ts';

test('the AI SDK example falls back to Claude, runs a tool and a task, and prints what its README shows', () => {
  const r = spawnSync(process.execPath, ['--conditions=switchyard-source', 'examples/ai-sdk/app.js'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp' },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const readme = readFileSync(join(REPO_ROOT, 'examples', 'ai-sdk', 'README.md'), 'utf8');
  const shown = /```\n(generateText:[\s\S]*?)```/.exec(readme)?.[1];
  assert.equal(r.stdout, shown);
  const scripts = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  assert.equal(scripts['example:ai-sdk'], 'node --conditions=switchyard-source examples/ai-sdk/app.js');
});
