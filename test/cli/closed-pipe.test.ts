// `switchyard … | head -1`: when the reader closes the pipe early, the CLI leaves quietly (no EPIPE stack trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, REPO_ROOT } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('a closed stdout pipe ends the CLI quietly', async () => {
  const ws = tempWorkspace();
  try {
    const child = spawn(process.execPath, [CLI, '--help'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: ws.dir, SWITCHYARD_HOME: ws.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Close our end before the child writes anything, so its first write meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.doesNotMatch(stderr, /EPIPE|node:events|at .*\.ts:\d+/);
    assert.equal(code, 0);
  } finally {
    ws.cleanup();
  }
});
