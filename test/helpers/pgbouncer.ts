// A PgBouncer of the test's own in front of a PostgreSQL server, in transaction mode (how PostgreSQL is shared at
// scale, and the strictest mode: no session state survives a transaction, and unknown startup parameters are
// refused). Started as an operator would, from Debian's package, on a free loopback port; skipped, saying why,
// without it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { freePort } from './net.ts';

const BIN = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));

export const PGBOUNCER_MISSING =
  BIN === undefined ? 'no pgbouncer installed (Debian: apt-get install pgbouncer)' : undefined;

export interface TestPgBouncer extends AsyncDisposable {
  /** The same database as `target`, through the pooler. */
  url: string;
}

/** Waits until something accepts connections on the port, or the deadline passes. */
async function listening(port: number, child: ChildProcess, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`pgbouncer did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts PgBouncer (pool_mode=transaction, trust auth) in front of the database `target` names. */
export async function startPgBouncer(target: string, { host }: { host?: string } = {}): Promise<TestPgBouncer> {
  if (BIN === undefined) throw new Error(PGBOUNCER_MISSING);
  const t = new URL(target);
  const db = t.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(t.username || 'postgres');
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${db} = host=${t.hostname} port=${t.port || '5432'} dbname=${db} user=${user}`,
      '[pgbouncer]',
      // `host`: an address of this machine's own besides loopback, for clients in other network namespaces.
      `listen_addr = 127.0.0.1${host === undefined ? '' : `,${host}`}`,
      `listen_port = ${port}`,
      `unix_socket_dir =`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 200',
      'default_pool_size = 4',
      `logfile = ${join(dir, 'log')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer will not run as root: as root it switches to postgres itself (-u).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const args = [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')];
  const child = spawn(BIN, args, { stdio: 'ignore' });
  await listening(port, child);
  const url = new URL(target);
  url.port = String(port);
  url.hostname = host ?? '127.0.0.1';
  return {
    url: url.href,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
