// A PostgreSQL server of the test's own (initdb in a temp directory, a free loopback port, trust auth), for tests that
// stop it or end its connections: the shared server at 127.0.0.1:5432 must never be. As root the server runs as the
// `postgres` user (runuser), as PostgreSQL refuses root. Skipped, saying why, without the server's programs.
import { execFile } from 'node:child_process';
import { chownSync, globSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net.ts';

const run = promisify(execFile);

/** The newest installed server's programs (Debian keeps them out of PATH). */
const BIN = globSync('/usr/lib/postgresql/*/bin/initdb')
  .sort((a, b) => Number(/\/(\d+)\/bin/.exec(b)?.[1]) - Number(/\/(\d+)\/bin/.exec(a)?.[1]))
  .map((p) => p.slice(0, -'/initdb'.length))[0];

const IS_ROOT = process.getuid?.() === 0;

export const PRIVATE_POSTGRES_MISSING =
  BIN === undefined
    ? 'no PostgreSQL server programs under /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)'
    : undefined;

export interface PrivatePostgres extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** `pg_ctl stop -m fast`: connections are ended, the server is down until `start()`. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Ends every connection to `database` but this one's (`pg_terminate_backend`); how many it ended. */
  terminate(database: string): Promise<number>;
  /** A new database on it, its URL. */
  createDatabase(name: string): Promise<string>;
}

/** Runs one of the server's programs, as `postgres` when we are root. */
function pgRun(program: string, args: string[]): Promise<{ stdout: string }> {
  const path = join(BIN!, program);
  const [cmd, argv] = IS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  return run(cmd, argv, { timeout: 60_000 });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  if (BIN === undefined) throw new Error(PRIVATE_POSTGRES_MISSING);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  if (IS_ROOT) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async (): Promise<void> => {
    await pgRun('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'), '-o', options]);
  };
  const stop = async (): Promise<void> => {
    await pgRun('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'fast', '-D', data]).catch(() => undefined);
  };
  const psql = async (database: string, sql: string): Promise<string> =>
    (await pgRun('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-Atc', sql]))
      .stdout;
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const dispose = async (): Promise<void> => {
    await pgRun('pg_ctl', ['stop', '-w', '-t', '60', '-m', 'immediate', '-D', data]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url,
    port,
    stop,
    start,
    async terminate(database) {
      const out = await psql(
        'postgres',
        `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
      );
      return Number(out.trim());
    },
    async createDatabase(name) {
      await psql('postgres', `CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    [Symbol.asyncDispose]: dispose,
  };
}
