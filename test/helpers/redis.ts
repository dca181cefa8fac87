// A real redis-server for the tests that share state through Redis: private to the test, on a free loopback port,
// nothing saved to disk. Stoppable and restartable on the same port, to play an outage. When redis-server is not
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
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that keeps its connections but answers nothing. */
  freeze(): void;
  thaw(): void;
}

export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    if (child && child.exitCode === null) return;
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await accepting(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    start,
    stop,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    [Symbol.asyncDispose]: stop,
  };
}
