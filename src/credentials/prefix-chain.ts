// A prompt's prefixes as a chain of message hashes, for prompt-cache affinity (credentials/affinity.ts): each message
// is hashed alone with xxHash64, and its hash hashed with the state of everything before it. A prefix's hash is the
// state that continues it, so every prefix of a turn costs one hash per message, an earlier turn's hash extends to a
// later turn's without rehashing what they share, and a message's own hash can be kept beside it. Messages go in as text (canonical messages) or as the hashes of their
// bytes (a request read from its bytes): a chain is opened for one form, and the two forms never give the same hash.
import { xxh64 } from '@node-rs/xxhash';

/** A prefix's hash, and the state that continues it. */
export type PrefixState = bigint;

/** What a chain's messages are: canonical messages' text, or spans of the caller's own bytes. */
export type PrefixForm = 'text' | 'bytes';

/** Inputs longer than this many UTF-16 units are encoded on their own rather than in the shared buffer, so one huge
 * message does not keep megabytes for the process's life. */
const SCRATCH_CHARS = 64 * 1024;
const encoder = new TextEncoder();
let scratch = new Uint8Array(16 * 1024);

/** The chain's first state: its form, what must match besides the prompt (the scope) and the opening text (tools). */
export function openChain(form: PrefixForm, opening: string): PrefixState {
  return xxh64(utf8(`${form}\u0000${opening}`));
}

/** A message's text hashed alone: what `spanStep` chains, as it chains a span's bytes' hash. */
export function textHashOf(text: string): bigint {
  return xxh64(utf8(text));
}

/** The chain after one more message given as its bytes (a span of the caller's body; no copy is made). */
export function bytesStep(state: PrefixState, bytes: Uint8Array): PrefixState {
  return xxh64(bytes, state);
}

const pair = new BigUint64Array(2);
const pairBytes = new Uint8Array(pair.buffer);

/** The chain after one more message given as its own xxHash64 (a span's `spanHash`, taken once when the body was
 * parsed, or a text's `textHashOf`): the state and that hash hashed together. */
export function spanStep(state: PrefixState, spanHash: bigint): PrefixState {
  pair[0] = state;
  pair[1] = spanHash;
  return xxh64(pairBytes);
}

/** A span's own xxHash64, when the parse did not take it. */
export const spanHashOf = (bytes: Uint8Array): bigint => xxh64(bytes);

/** A prefix's hash as it is stored and compared (state affinity records, a derived `prompt_cache_key`): 16 hex
 * digits, so a record of the SHA-256 era (43 base64url characters) can never equal one. */
export function prefixKey(state: PrefixState): string {
  return state.toString(16).padStart(16, '0');
}

/** The text as UTF-8: in the shared buffer when it fits (TextEncoder's copy is faster than the addon's own). */
function utf8(text: string): Uint8Array {
  if (text.length > SCRATCH_CHARS) return encoder.encode(text);
  // UTF-8 takes at most three bytes per UTF-16 unit.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(Math.min(SCRATCH_CHARS * 3, text.length * 6));
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}
