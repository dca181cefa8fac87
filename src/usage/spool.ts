// The ledger's local spool (docs/usage.md#off-the-request-path): rows for a remote ledger (PostgreSQL) are appended
// here, one JSON line each, fsynced a batch at a time, before they are sent; sent rows are forgotten (the file is
// truncated once all of it is sent). So rows survive a server that is down or slow, a stop and a kill -9. Each
// process writes its own file, named by its host and pid (`<host>.<pid>-0.jsonl`: the workers of one gateway share
// the directory, and pods sharing a volume are every one pid 1); at open, a process claims the files of processes
// that are gone by renaming them to its own name (one rename wins) and sends them first, in order. A process on this
// host is gone when its pid is; one on another host when its file's heartbeat (the mtime, touched while it runs) is
// stale. Sending is idempotent (ON CONFLICT DO NOTHING), so a row sent just before a kill and sent again from the
// spool after the restart is kept once.
import { constants } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink, chmod, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageRow } from './row.ts';

export interface SpoolOptions {
  /** The directory (created 0700); files in it are 0600. */
  dir: string;
  /** Most bytes all files together may hold; an append past it fails with SpoolFullError. */
  maxBytes: number;
  /** This process's id (tests give their own). */
  pid?: number;
  /** This host's name (a pod's name in Kubernetes; tests give their own). */
  host?: string;
  /** Whether a process on this host still runs (tests give their own). */
  alive?: (pid: number) => boolean;
  now?: () => number;
}

/** How often a running process touches its files, and how long untouched a file of another host must be to be
 * taken as its process's leftovers (a stalled process is not gone: many heartbeats must be missed). */
export const SPOOL_HEARTBEAT_MS = 15_000;
export const SPOOL_STALE_MS = 120_000;

/** The spool holds `maxBytes` already: the rows stay in memory. */
export class SpoolFullError extends Error {
  constructor(maxBytes: number) {
    super(`the usage spool is full (${maxBytes} bytes, usage.spool_max_bytes)`);
    this.name = 'SpoolFullError';
  }
}

/** Rows read from the spool, to mark as sent once the store took them. */
export interface SpoolBatch {
  rows: UsageRow[];
  readonly segment: Segment;
  /** Where the batch ends in its file, and how many lines it spans (a line that is not a row is skipped). */
  readonly end: number;
  readonly lines: number;
}

interface Segment {
  path: string;
  fh: FileHandle;
  /** Bytes sent so far (the next read starts here). */
  offset: number;
  /** Bytes of whole lines in the file. */
  end: number;
  /** Rows not sent yet. */
  rows: number;
  /** This process's unsent rows as written, with each line's bytes, while they are few enough to keep: sent from
   * here rather than read back and parsed (the usual case, a server that keeps up). None: read from the file. */
  mirror?: { rows: UsageRow[]; sizes: number[] };
}

/** Most unsent rows kept in memory besides the file. */
const MIRROR_MAX = 20_000;

/** `<host>.<pid>-<n>.jsonl`, or `<pid>-<n>.jsonl` as versions before hosts were named wrote (this host's). */
const FILE = /^(?:(.+)\.)?(\d+)-(\d+)\.jsonl$/;
const READ_CHUNK = 1 << 20;

export class UsageSpool {
  readonly #options: SpoolOptions;
  readonly #pid: number;
  readonly #host: string;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Claimed files first (oldest first), this process's own last. */
  #segments: Segment[] = [];
  #own: Segment | undefined;
  /** File operations one at a time: an append and a truncate must never overlap. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: SpoolOptions) {
    this.#options = options;
    this.#pid = options.pid ?? process.pid;
    this.#host = hostPart(options.host ?? hostname());
  }

  get path(): string {
    return join(this.#options.dir, `${this.#host}.${this.#pid}-0.jsonl`);
  }

  /** Rows not yet sent, over all files. */
  get unsent(): number {
    return this.#segments.reduce((n, s) => n + s.rows, 0);
  }

  get bytes(): number {
    return this.#segments.reduce((n, s) => n + s.end - s.offset, 0);
  }

  /** Creates the directory and this process's file, and claims the files of processes that are gone. */
  async open(): Promise<void> {
    if (this.#own !== undefined) return;
    await mkdir(this.#options.dir, { recursive: true, mode: 0o700 });
    const claimed = await this.#claim();
    for (const path of claimed) {
      const s = await openSegment(path);
      if (s.rows > 0) this.#segments.push(s);
      else await s.fh.close().then(() => unlink(path));
    }
    this.#own = await openSegment(this.path);
    if (this.#own.rows === 0) this.#own.mirror = { rows: [], sizes: [] };
    this.#segments.push(this.#own);
    this.#heartbeat = setInterval(() => void this.#touch(), SPOOL_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Claims, while running, the files of processes gone since it opened (a pod deleted for good leaves its file on a
   * shared volume, and no process starts again on its name): they are sent before this process's own rows. Returns
   * how many rows were taken over. */
  adopt(): Promise<number> {
    return this.#serial(async () => {
      const own = this.#opened();
      let rows = 0;
      for (const path of await this.#claim()) {
        const s = await openSegment(path);
        if (s.rows === 0) {
          await s.fh.close().then(() => unlink(path));
          continue;
        }
        this.#segments.splice(this.#segments.indexOf(own), 0, s);
        rows += s.rows;
      }
      return rows;
    });
  }

  /** Says this process runs to the other hosts sharing the directory: their claim waits for a stale mtime. */
  #touch(): Promise<void> {
    return this.#serial(async () => {
      const at = new Date((this.#options.now ?? Date.now)());
      for (const s of this.#segments) await s.fh.utimes(at, at).catch(() => {});
    });
  }

  /** Renames each file of a process that is gone (this one's own former file too: a pid reused after a restart) to
   * a name of this process, oldest first; a file another process claimed first is left to it. */
  async #claim(): Promise<string[]> {
    const alive = this.#options.alive ?? isAlive;
    const now = (this.#options.now ?? Date.now)();
    const found: { name: string; mtime: number }[] = [];
    for (const name of await readdir(this.#options.dir)) {
      const m = FILE.exec(name);
      if (m === null) continue;
      const host = m[1] ?? this.#host;
      const owner = Number(m[2]);
      if (host === this.#host && owner !== this.#pid && alive(owner)) continue;
      // This process's own files (its claimed ones too, named after it) are already open here.
      if (host === this.#host && owner === this.#pid && this.#own !== undefined) continue;
      const s = await stat(join(this.#options.dir, name)).catch(() => undefined);
      if (s === undefined) continue;
      // Another host's pid says nothing here: its process is gone when it stopped touching its file.
      if (host !== this.#host && now - s.mtimeMs < SPOOL_STALE_MS) continue;
      found.push({ name, mtime: s.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
    const paths: string[] = [];
    let n = 0;
    for (const f of found) {
      const to = join(this.#options.dir, `${this.#host}.${this.#pid}-${now}${String(++n).padStart(4, '0')}.jsonl`);
      try {
        await rename(join(this.#options.dir, f.name), to);
        paths.push(to);
      } catch {
        // Claimed by another process starting at the same time.
      }
    }
    return paths;
  }

  /** Appends the rows and syncs them to disk; on failure (a full disk) the file is as it was and this throws. */
  append(rows: readonly UsageRow[]): Promise<void> {
    return this.#serial(async () => {
      const own = this.#opened();
      const lines = rows.map((r) => JSON.stringify(r) + '\n');
      const data = Buffer.from(lines.join(''));
      if (this.bytes + data.length > this.#options.maxBytes) throw new SpoolFullError(this.#options.maxBytes);
      try {
        let at = 0;
        while (at < data.length) at += (await own.fh.write(data, at, data.length - at, own.end + at)).bytesWritten;
        await own.fh.datasync();
      } catch (err) {
        // A part written before the disk filled up would join the next line: cut it off.
        await own.fh.truncate(own.end).catch(() => {});
        throw err;
      }
      own.end += data.length;
      own.rows += rows.length;
      const m = own.mirror;
      if (m !== undefined && m.rows.length + rows.length <= MIRROR_MAX) {
        m.rows.push(...rows);
        for (const line of lines) m.sizes.push(Buffer.byteLength(line));
      } else own.mirror = undefined;
    });
  }

  /** Up to `limit` of the oldest unsent rows. */
  take(limit: number): Promise<SpoolBatch | undefined> {
    return this.#serial(async () => {
      for (const segment of this.#segments) {
        if (segment.rows === 0) continue;
        if (segment.mirror !== undefined) return fromMirror(segment, limit);
        const size = Math.min(READ_CHUNK, segment.end - segment.offset);
        const buf = Buffer.alloc(size);
        const { bytesRead } = await segment.fh.read(buf, 0, size, segment.offset);
        const rows: UsageRow[] = [];
        let at = 0;
        let lines = 0;
        while (lines < limit) {
          const nl = buf.indexOf(10, at);
          if (nl < 0 || nl >= bytesRead) break;
          const row = parseRow(buf.toString('utf8', at, nl));
          if (row !== undefined) rows.push(row);
          lines += 1;
          at = nl + 1;
        }
        // A line longer than a chunk cannot be a row of ours: skipped.
        if (lines === 0) return { rows, segment, end: await lineEnd(segment, segment.offset + bytesRead), lines: 1 };
        return { rows, segment, end: segment.offset + at, lines };
      }
      return undefined;
    });
  }

  /** The store took the batch: it is not sent again. A file sent whole is removed (claimed) or emptied (own). */
  done(batch: SpoolBatch): Promise<void> {
    return this.#serial(async () => {
      const s = batch.segment;
      if (!this.#segments.includes(s) || batch.end <= s.offset) return;
      s.offset = batch.end;
      s.rows = s.offset >= s.end ? 0 : Math.max(0, s.rows - batch.lines);
      s.mirror?.rows.splice(0, batch.lines);
      s.mirror?.sizes.splice(0, batch.lines);
      if (s.offset < s.end) return;
      if (s === this.#own) {
        await s.fh.truncate(0);
        s.offset = s.end = 0;
        s.mirror = { rows: [], sizes: [] };
      } else {
        await s.fh.close();
        await unlink(s.path).catch(() => {});
        this.#segments = this.#segments.filter((x) => x !== s);
      }
    });
  }

  /** Closes the files; this process's own file is removed when it holds nothing, so only rows left mark it. */
  close(): Promise<void> {
    clearInterval(this.#heartbeat);
    return this.#serial(async () => {
      for (const s of this.#segments) {
        await s.fh.close().catch(() => {});
        if (s.end - s.offset === 0) await unlink(s.path).catch(() => {});
      }
      this.#segments = [];
      this.#own = undefined;
    });
  }

  #opened(): Segment {
    if (this.#own === undefined) throw new Error('the usage spool is not open');
    return this.#own;
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(op);
    this.#chain = next.catch(() => {});
    return next;
  }
}

/** Opens a file (0600) and counts its whole lines; a last line without its newline (a write cut by kill -9) is
 * dropped. */
async function openSegment(path: string): Promise<Segment> {
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
  await chmod(path, 0o600);
  const size = (await fh.stat()).size;
  let end = 0;
  let rows = 0;
  const buf = Buffer.alloc(READ_CHUNK);
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, pos);
    if (bytesRead === 0) break;
    for (let i = buf.indexOf(10); i >= 0 && i < bytesRead; i = buf.indexOf(10, i + 1)) {
      rows += 1;
      end = pos + i + 1;
    }
    pos += bytesRead;
  }
  if (end < size) await fh.truncate(end);
  return { path, fh, offset: 0, end, rows };
}

function fromMirror(s: Segment, limit: number): SpoolBatch {
  const m = s.mirror!;
  const n = Math.min(limit, m.rows.length);
  let end = s.offset;
  for (let i = 0; i < n; i++) end += m.sizes[i]!;
  return { rows: m.rows.slice(0, n), segment: s, end, lines: n };
}

/** Where the line that goes on past `from` ends. */
async function lineEnd(s: Segment, from: number): Promise<number> {
  const buf = Buffer.alloc(READ_CHUNK);
  for (let pos = from; pos < s.end;) {
    const { bytesRead } = await s.fh.read(buf, 0, READ_CHUNK, pos);
    const nl = buf.indexOf(10);
    if (nl >= 0 && nl < bytesRead) return pos + nl + 1;
    if (bytesRead === 0) break;
    pos += bytesRead;
  }
  return s.end;
}

function parseRow(line: string): UsageRow | undefined {
  try {
    const row = JSON.parse(line) as UsageRow;
    return typeof row?.id === 'string' && typeof row.at === 'number' ? row : undefined;
  } catch {
    return undefined;
  }
}

/** A host name as a file name's part: what a pod or host name holds, anything else as `_`. */
function hostPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'host';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
