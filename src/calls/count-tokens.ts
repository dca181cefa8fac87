// Counting tokens of text with gpt-tokenizer's o200k encoding: the estimate of an attempt the upstream reported no
// usage for, and the simulator's own count (so what it bills and what we estimate are counted alike). The tokenizer
// is loaded on first use: its tables are ~50 MB of a process's memory, and a gateway whose upstreams report usage
// never needs them. The main thread counts on a worker that loads them (count-off-thread.ts), off the heap its
// full collections mark.
import { createRequire } from 'node:module';
import { OffThreadCounter, serveCounts } from './count-off-thread.ts';

type CountTokens = typeof import('gpt-tokenizer').countTokens;
let loaded: CountTokens | undefined;

/** gpt-tokenizer's countTokens (o200k), required the first time it is called. */
export function countTokens(...args: Parameters<CountTokens>): number {
  loaded ??= (createRequire(import.meta.url)('gpt-tokenizer') as typeof import('gpt-tokenizer')).countTokens;
  return loaded(...args);
}

/** Text is user data: a literal `<|endoftext|>` in it is just text. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
/** Characters tokenized exactly; beyond, extrapolated (tokenizing 30 MB would hold the event loop for a second). */
const EXACT_CHARS = 1_000_000;

/** BPE's merging is quadratic in the length of one word: a text with a run of non-space characters this long is
 * counted in pieces of this size (1 MB of one letter took minutes whole, 30 ms in pieces; a piece's edge moves a
 * count by a token at most). */
const LONGEST_WORD = 1_000;
const LONG_WORD = new RegExp(`\\S{${LONGEST_WORD}}`);

function countPlain(text: string): number {
  if (!LONG_WORD.test(text)) return countTokens(text, AS_PLAIN_TEXT);
  let n = 0;
  for (let at = 0; at < text.length; at += LONGEST_WORD)
    n += countTokens(text.slice(at, at + LONGEST_WORD), AS_PLAIN_TEXT);
  return n;
}

/** The count worker runs this module (serveCounts below). */
const ROLE = 'switchyard:count-tokens';
const offThread = new OffThreadCounter(new URL(import.meta.url), ROLE);

/** Stops the count worker (tests); the next count starts another. */
export function stopCountWorker(): Promise<number> | undefined {
  return offThread.stop();
}

/** A text's tokens as plain text (a literal `<|endoftext|>` is text), long words in pieces: counted on the count
 * worker when called on the main thread, else (or when no worker answers) here. */
export function countPlainTokens(text: string): number {
  return offThread.count(text) ?? countPlain(text);
}

/** A text's tokens, at most EXACT_CHARS of it counted and the rest extrapolated (so no more than that is copied to
 * the worker either). */
export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length <= EXACT_CHARS) return countPlainTokens(text);
  const exact = countPlainTokens(text.slice(0, EXACT_CHARS));
  return exact + Math.ceil(((text.length - EXACT_CHARS) * exact) / EXACT_CHARS);
}

/** A prompt's tokens: its system text and each message's text, counted apart and summed, at least 1. */
export function countPromptTokens(texts: readonly string[]): number {
  let n = 0;
  for (const t of texts) n += countTextTokens(t);
  return Math.max(1, n);
}

/** An answer's tokens: its text, refusal, thinking and tool-call arguments, each counted whole. */
export function countOutputTokens(parts: { text: string; refusal: string; thinking: string; args: string }): number {
  return (
    countTextTokens(parts.text) +
    countTextTokens(parts.refusal) +
    countTextTokens(parts.thinking) +
    countTextTokens(parts.args)
  );
}

serveCounts(ROLE, countPlain);
