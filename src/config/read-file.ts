// Reading a config file or a `.env`: a regular file only, of at most MAX_CONFIG_BYTES. `--config` on a FIFO waited for
// a writer for ever, and on /dev/zero or /dev/urandom read without end; a file of many megabytes is no config anyone
// wrote, and every step after reading it costs time in proportion (docs/config.md, "Where the file is found").
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** 1 MiB: some 9,000 providers written out, hundreds of times a real config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export type FileRead = { ok: true; bytes: Buffer } | { ok: false; why: string };

/** The file's bytes, or why it is not read: not a regular file, too large, or an error opening it (its code). */
export function readConfigFile(path: string): FileRead {
  let fd: number;
  try {
    // Non-blocking: opening a FIFO for reading would otherwise wait for a writer before fstat could say what it is.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, why: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { ok: false, why: `it is ${kindOf(stats)}, not a regular file` };
    if (stats.size > MAX_CONFIG_BYTES) return { ok: false, why: tooLarge(stats.size) };
    const bytes = readToEnd(fd, stats.size);
    return bytes.length > MAX_CONFIG_BYTES ? { ok: false, why: tooLarge(bytes.length) } : { ok: true, bytes };
  } catch (err) {
    return { ok: false, why: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    closeSync(fd);
  }
}

/** Up to one byte past the limit: the file may have grown since fstat said `size`. */
function readToEnd(fd: number, size: number): Buffer {
  let buffer = Buffer.allocUnsafe(Math.min(size, MAX_CONFIG_BYTES) + 1);
  let length = 0;
  for (;;) {
    const n = readSync(fd, buffer, length, buffer.length - length, null);
    length += n;
    if (n === 0 || length > MAX_CONFIG_BYTES) return buffer.subarray(0, length);
    if (length === buffer.length)
      buffer = Buffer.concat([
        buffer,
        Buffer.allocUnsafe(Math.min(buffer.length, MAX_CONFIG_BYTES + 1 - buffer.length)),
      ]);
  }
}

function tooLarge(size: number): string {
  return `it is larger than the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB a config file may be${size > MAX_CONFIG_BYTES + 1 ? ` (${(size / 1024 / 1024).toFixed(1)} MiB)` : ''}`;
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a directory';
  return 'not a file';
}
