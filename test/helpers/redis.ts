// A real redis-server for the tests that share state through Redis: private to the test, on a free loopback port,
// nothing saved to disk (or, given a directory, an append-only file there that keeps the counters across a restart).
// Stoppable (killed, or shut down) and restartable on the same port, to play an outage. When redis-server is not
// installed the tests that need it are skipped with the reason (`.ci/run` installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accepting, freePort } from './net.ts';

export const REDIS_MISSING =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
    ? undefined
    : 'redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it)';

/** `await using redis = await startTestRedis()` stops it when the test's scope ends. */
export interface TestRedis extends AsyncDisposable {
  url: string;
  port: number;
  /** SIGKILL by default; SIGTERM shuts it down as an operator would (writing its append-only file first). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that keeps its connections but answers nothing. */
  freeze(): void;
  thaw(): void;
}

/** `persistIn`: a directory for an append-only file written on every write, so a restart keeps what it held. */
export async function startTestRedis({ persistIn }: { persistIn?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  const persistence =
    persistIn === undefined
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--dir', persistIn, '--appendonly', 'yes', '--appendfsync', 'always'];
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child && child.exitCode === null) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await accepting(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      // A stopped (SIGSTOP) server would not act on SIGTERM until continued.
      c.kill('SIGCONT');
      c.kill(signal);
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    start,
    stop,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    [Symbol.asyncDispose]: () => stop(),
  };
}
