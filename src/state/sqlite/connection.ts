// Opens the SQLite file the safe way: private directory (0700) and files (0600) created before SQLite touches
// them, WAL so readers never block the writer, a busy timeout so two processes wait for each other instead of
// failing, and the schema migrated.
import type { DatabaseSync } from 'node:sqlite';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.ts';

export const BUSY_TIMEOUT_MS = 10_000;

/** node:sqlite, reached when a store opens rather than imported: a static import would stop an older Node from loading
 * the library at all, before node-version.ts can say why. */
function sqlite(): typeof import('node:sqlite') {
  const mod = process.getBuiltinModule?.('node:sqlite');
  if (mod === undefined)
    throw new Error(`node:sqlite is not available in Node ${process.version}; switchyard needs Node >= 22.18`);
  return mod;
}

/** `maxPageCount`: SQLite's max_page_count, the most pages the file may grow to (never below its size now); past it
 * every write fails with SQLITE_FULL exactly as on a full disk. For tests of a full disk. */
export function openDatabase(path: string, maxPageCount?: number): { db: DatabaseSync; schemaVersion: number } {
  if (path !== ':memory:') prepareFile(path);
  const db = new (sqlite().DatabaseSync)(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (path !== ':memory:') useWal(db);
    // NORMAL in WAL mode: a commit is in the OS before it returns, which survives kill -9 of this process.
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    const schemaVersion = migrate(db);
    if (maxPageCount !== undefined) db.exec(`PRAGMA max_page_count = ${Math.floor(maxPageCount)}`);
    if (path !== ':memory:') restrictSidecars(path);
    return { db, schemaVersion };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Setting WAL takes a lock SQLite does not retry, so two processes opening a new file at once could fail with
 * "database is locked": wait and try again. */
function useWal(db: DatabaseSync): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      const mode = db.prepare('PRAGMA journal_mode').get() as { journal_mode?: string } | undefined;
      if (mode?.journal_mode !== 'wal') db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (err) {
      if (!isBusy(err) || Date.now() >= deadline) throw err;
      sleepSync(5 + Math.random() * 20);
    }
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: number }).errcode;
  // SQLITE_BUSY and SQLITE_LOCKED, with or without extended bits.
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
}

/** Only while opening the store, before anything else runs. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function prepareFile(path: string): void {
  const dir = dirname(path);
  makeDirs(dir);
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** By hand, since recursive `mkdirSync` spins forever on pseudo-filesystems such as /proc. Private (0700); losing a
 * race to another process is fine. */
function makeDirs(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** SQLite copies the database file's mode onto -wal and -shm; this makes sure of it. */
function restrictSidecars(path: string): void {
  for (const suffix of ['-wal', '-shm']) {
    const p = path + suffix;
    try {
      if (existsSync(p)) chmodSync(p, 0o600);
    } catch {
      // Another process may own or have just removed it; its mode was set when it was created.
    }
  }
}
