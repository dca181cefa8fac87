// `switchyard gateway` as a real child process on a free loopback port, for tests that need the CLI's own start-up
// (discovery, signals, the log on stderr): the URL it prints, its stderr so far, and its exit. Killed if its test
// hangs (HUNG_TEST_MS, or `killAfterMs`), or if it has not ended HUNG_PROCESS_MS after it was asked to stop.
import type { TestContext } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './cli.ts';
import { HUNG_PROCESS_MS, HUNG_TEST_MS } from './until.ts';

/** `await using gw = await spawnGateway(…)` stops it (SIGTERM, then waits for its exit) when the scope ends. */
export interface GatewayProcess extends AsyncDisposable {
  url: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  /** Its stdout so far (the banner). */
  stdout: () => string;
}

/** `args` after `gateway --listen 127.0.0.1:0` (e.g. `['--config', path]`); `env` over a clean PATH. */
export async function spawnGateway(
  t: Pick<TestContext, 'after'>,
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
  {
    killAfterMs = HUNG_TEST_MS,
    gid,
    listen = '127.0.0.1:0',
    wrap = [],
    nodeFlags = [],
  }: {
    killAfterMs?: number;
    gid?: number;
    /** Where it listens: another namespace's address (test/scale/). */
    listen?: string;
    /** A command it runs under, e.g. `ip netns exec NAME`. */
    wrap?: string[];
    /** Node's own flags, before the CLI's path. */
    nodeFlags?: string[];
  } = {},
): Promise<GatewayProcess> {
  const command = [...wrap, process.execPath, ...nodeFlags, CLI, 'gateway', '--listen', listen, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd !== undefined ? { cwd } : {}),
    // A group of its own, for a test that cuts this process off the network by it (test/helpers/group-cut.ts).
    ...(gid !== undefined ? { gid } : {}),
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  t.after(() => clearTimeout(killer));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += `${line}\n`;
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`gateway exited early: ${stderr}`)));
  });
  const stop = (): Promise<void> => stopChild(child, exited);
  return { url, child, exited, stderr: () => stderr, stdout: () => stdout, [Symbol.asyncDispose]: stop };
}

/** SIGTERM, then SIGKILL should it not have ended HUNG_PROCESS_MS later; resolves at its exit. */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), HUNG_PROCESS_MS);
  await exited;
  clearTimeout(killer);
}
