// HAProxy (Debian's package) in front of gateway replicas, for the scale suite (test/scale/): started as an operator
// would, from a generated config, round robin over the replicas, each checked on `/livez` every 250 ms and taken out
// after two failed checks (a host cut off; each waits up to 1 s), put back after a good one; with all of them out at
// once, sent to all of them unchecked. Skipped with `HAPROXY_MISSING` without it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepting, freePort } from './net.ts';

const BIN = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));

export const HAPROXY_MISSING =
  BIN === undefined ? 'haproxy is not installed (Debian: apt-get install haproxy)' : undefined;

export interface TestHaproxy extends AsyncDisposable {
  url: string;
}

/** `backends`: `host:port` of each replica. Listens on a free loopback port. */
export async function startHaproxy(backends: readonly string[]): Promise<TestHaproxy> {
  if (BIN === undefined) throw new Error(HAPROXY_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-haproxy-'));
  const port = await freePort();
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 4096',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  retries 0',
      // A replica busy with the load answers /livez late: a check waits up to 1 s before it counts as failed.
      '  timeout check 1s',
      'frontend switchyard',
      `  bind 127.0.0.1:${port}`,
      '  default_backend replicas',
      'backend replicas',
      '  balance roundrobin',
      '  option httpchk GET /livez',
      ...backends.map((b, i) => `  server replica${i} ${b} check inter 250ms fall 2 rise 1`),
      // Fail open: when every replica misses its checks at once (each busy past the check's timeout, as at load 12–15
      // during a Sentinel failover), requests still go to them, not to HAProxy's own 503.
      ...backends.map((b, i) => `  server open${i} ${b} backup`),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(BIN, ['-W', '-db', '-f', config], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await accepting(port))) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode} (config ${config})`);
    if (Date.now() > deadline) throw new Error(`haproxy did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${port}`, [Symbol.asyncDispose]: close };
}
