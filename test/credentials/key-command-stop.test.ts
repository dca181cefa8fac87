// An api_key_command that hangs, and what it started, does not outlive its timeout or the router (a gateway's) that
// ran it stopping: its whole process group is killed, a grandchild included.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, hello, failure } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';

/** A shell that starts a grandchild (`sleep`) and waits on it, writing both process ids first. */
function hangingCommand(dir: string): { run: string; pids: () => number[] | undefined } {
  const shell = join(dir, 'shell.pid');
  const grandchild = join(dir, 'grandchild.pid');
  return {
    run: `sleep 1000 & echo $! > ${grandchild}; echo $$ > ${shell}; wait`,
    pids: () =>
      existsSync(shell) && existsSync(grandchild) && readFileSync(shell, 'utf8').trim() !== ''
        ? [shell, grandchild].map((f) => Number(readFileSync(f, 'utf8')))
        : undefined,
  };
}

/** Running, not a zombie waiting for a parent (in a container, pid 1 may never reap an orphan). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function routerWith(command: Record<string, unknown>, wait: Record<string, string> = {}) {
  return harness({
    scenario: { keys: {} },
    config: (u) => ({
      providers: { p: { type: 'openai', base_url: u.openai, api_key_command: command, ...wait } },
      main: { provider: 'p', model: 'sim-large' },
    }),
  });
}

describe('a hanging api_key_command', () => {
  it('is stopped with its grandchild when the router that runs it closes', async () => {
    using ws = tempWorkspace('switchyard-keycmd-');
    const cmd = hangingCommand(ws.dir);
    const h = await routerWith({ run: cmd.run, timeout: '10m' }, { mint_wait: '50ms' });
    let pids: number[] = [];
    try {
      const call = h.router.chat({ messages: hello }).catch(() => undefined);
      await until('the command and its grandchild run', () => (pids = cmd.pids() ?? []).length === 2);
      assert.ok(pids.every(running));
      await call;
    } finally {
      await h.close();
    }
    await until('no process of the command is left', () => !pids.some(running));
  });

  it('is stopped with its grandchild at its timeout', async () => {
    using ws = tempWorkspace('switchyard-keycmd-');
    const cmd = hangingCommand(ws.dir);
    await using h = await routerWith({ run: cmd.run, timeout: '1s' });
    const err = await failure(h.router.chat({ messages: hello }));
    assert.match(err.message, /did not finish within 1s/);
    const pids = cmd.pids() ?? [];
    assert.equal(pids.length, 2);
    await until('no process of the command is left', () => !pids.some(running));
  });
});
