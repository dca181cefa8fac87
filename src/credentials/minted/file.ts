// `api_key_file`: the key is the file's content, trimmed (Docker and Kubernetes secrets end with a newline). Read at
// use; the minter (minter.ts) checks in the background whether the file changed (a rotated secret is a new file, or
// the same one rewritten) and reads it again when it did, or at once after a 401. Read within bounds of size and
// time, so a file that never ends (/dev/zero, a FIFO nobody closes) is a failed mint, not a hang or an OOM.
import { close, constants, fstat, open, read, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import type { FileSpec } from './spec.ts';
import { MintError, type MintFailure } from './mint-error.ts';
import { parseTokenOutput, type ParsedToken } from './output.ts';

/** More than any key, and as long as a read of a local file should take (docs/minted.md#api_key_file-path). */
export const KEY_FILE_BOUNDS: ReadBounds = { maxBytes: 64 * 1024, timeoutMs: 5_000 };

export interface ReadBounds {
  maxBytes: number;
  timeoutMs: number;
}

/** A failed read says why in words; `absent`: there is no such file (for a reader to whom none is an answer). */
export type BoundedRead = { ok: true; text: string } | { ok: false; failure: MintFailure; why: string; absent?: true };

const openAsync = promisify(open);
const fstatAsync = promisify(fstat);
const readAsync = promisify(read);
const closeAsync = promisify(close);

/** What tells one version of the file from the next. */
export async function fileVersion(spec: FileSpec): Promise<string | undefined> {
  try {
    const s = await stat(spec.path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export async function readKeyFile(spec: FileSpec, source: string, now: number): Promise<ParsedToken> {
  const got = await readBounded(spec.path);
  if (!got.ok) throw new MintError(source, got.failure, got.why);
  const parsed = parseTokenOutput(got.text, now, 'file');
  if (!parsed.ok) throw new MintError(source, 'format', parsed.why);
  return parsed.value;
}

/** The file's text, at most `maxBytes` of it and within `timeoutMs`; else why not, in the words of a mint failure.
 * Opened without blocking: opening a FIFO nobody writes to would otherwise hold one of libuv's few threads. */
export async function readBounded(path: string, bounds = KEY_FILE_BOUNDS): Promise<BoundedRead> {
  let fd: number;
  try {
    fd = await openAsync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return readFailed(err);
  }
  let kind: Stats;
  try {
    kind = await fstatAsync(fd);
  } catch (err) {
    await closeAsync(fd).catch(() => {});
    return readFailed(err);
  }
  if (kind.isDirectory()) {
    await closeAsync(fd).catch(() => {});
    return { ok: false, failure: 'read', why: 'it is a directory' };
  }
  try {
    const bytes = kind.isFIFO() || kind.isSocket() ? await readPipe(fd, bounds) : await readFd(fd, bounds);
    if (bytes === 'timeout')
      return {
        ok: false,
        failure: 'timeout',
        why: `it did not end within ${bounds.timeoutMs / 1000}s (the bound on reading a key file): is something holding it open without writing?`,
      };
    if (bytes.length > bounds.maxBytes)
      return {
        ok: false,
        failure: 'format',
        why: `it holds more than ${bounds.maxBytes / 1024} KiB (the most a key file is read to), which is not a key`,
      };
    return { ok: true, text: bytes.toString('utf8') };
  } catch (err) {
    return readFailed(err);
  }
}

/** A file or a device (/dev/zero), read to its end or one byte past the bound; closed after. */
async function readFd(fd: number, bounds: ReadBounds): Promise<Buffer | 'timeout'> {
  const buf = Buffer.alloc(bounds.maxBytes + 1);
  let n = 0;
  let timedOut = false;
  const timer = setTimeout(() => (timedOut = true), bounds.timeoutMs);
  timer.unref();
  try {
    while (n < buf.length && !timedOut) {
      const { bytesRead } = await readAsync(fd, buf, n, buf.length - n, null);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return timedOut ? 'timeout' : buf.subarray(0, n);
  } finally {
    clearTimeout(timer);
    await closeAsync(fd).catch(() => {});
  }
}

/** A FIFO (or socket) through the event loop, as a stream: nothing waits on a thread, and the time bound can stop it. */
function readPipe(fd: number, bounds: ReadBounds): Promise<Buffer | 'timeout'> {
  return new Promise((resolve, reject) => {
    const pipe = new Socket({ fd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: Buffer | 'timeout' | Error): void => {
      clearTimeout(timer);
      pipe.destroy();
      if (value instanceof Error) reject(value);
      else resolve(value);
    };
    const timer = setTimeout(() => done('timeout'), bounds.timeoutMs);
    timer.unref();
    pipe.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > bounds.maxBytes) done(Buffer.concat(chunks));
    });
    pipe.on('end', () => done(Buffer.concat(chunks)));
    pipe.on('error', (err) => done(err));
  });
}

function readFailed(err: unknown): BoundedRead {
  const code = (err as NodeJS.ErrnoException).code;
  const failed: BoundedRead = { ok: false, failure: 'read', why: openFailure(code, err) };
  return code === 'ENOENT' ? { ...failed, absent: true } : failed;
}

function openFailure(code: string | undefined, err: unknown): string {
  if (code === 'ENOENT') return 'there is no such file';
  if (code === 'EACCES') return 'it cannot be read (permission denied)';
  if (code === 'EISDIR') return 'it is a directory';
  return `it cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`;
}
