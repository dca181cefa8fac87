// The spans of request bodies already scanned and found clean: an agent sends its whole conversation on every turn,
// so all but its newest messages were scanned on an earlier one. A span is known by its length and xxHash64 (a
// non-cryptographic hash: the guard keeps a caller's accidents from leaving, not a caller set on hiding one, who
// could as well encode the secret). Bounded; the oldest is forgotten first.
import { xxh64 } from '@node-rs/xxhash';

/** About 2 MiB of entries: a few hundred conversations' messages. */
const MOST = 32 * 1024;

/** Each clean span's hash, and its length. */
const CLEAN = new Map<bigint, number>();

/** What a span of `bytes` is known by. */
export function spanHash(bytes: Buffer, start: number, end: number): bigint {
  return xxh64(bytes.subarray(start, end));
}

/** Whether a span of this hash and length was scanned clean before. */
export function seenClean(hash: bigint, length: number): boolean {
  return CLEAN.get(hash) === length;
}

/** Remembers a span scanned clean: no secret, and nothing that would need the second look (decoded.ts). */
export function rememberClean(hash: bigint, length: number): void {
  if (CLEAN.size >= MOST) CLEAN.delete(CLEAN.keys().next().value!);
  CLEAN.set(hash, length);
}
