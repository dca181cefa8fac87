// Counting tokens of text with gpt-tokenizer's o200k encoding: the estimate of an attempt the upstream reported no
// usage for, and the simulator's own count (so what it bills and what we estimate are counted alike). The tokenizer
// is loaded on first use: its tables are ~50 MB of a process's memory, and a gateway whose upstreams report usage
// never needs them. The main thread counts on a worker that loads them (count-off-thread.ts), off the heap its
// full collections mark: billing's estimates await the count (the `…Later` functions), what must be known at once
// blocks for it.
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

/** Resolves once every awaited count is answered, and what awaited it has run: an owner closing its ledger reads
 * the records those counts bill first. */
export async function countsSettled(): Promise<void> {
  await offThread.settled();
  // The answer's continuations (the estimate, the attempt's usage, the stream's hooks) are promise jobs: all run
  // before the next turn of the event loop.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Stops the count worker (tests); the next count starts another. */
export function stopCountWorker(): Promise<number> | undefined {
  return offThread.stop();
}

/** A text's tokens as plain text (a literal `<|endoftext|>` is text), long words in pieces: counted on the count
 * worker when called on the main thread, blocking until it answers, else (or when no worker answers) here. */
export function countPlainTokens(text: string): number {
  return offThread.countNow(text) ?? countPlain(text);
}

/** countPlainTokens without holding the event loop while the worker counts (billing's estimates, calls/estimate.ts). */
export async function countPlainTokensLater(text: string): Promise<number> {
  return (await offThread.count(text)) ?? countPlain(text);
}

/** The part of a text counted exactly (no more than that is copied to the worker either). */
function exactPart(text: string): string {
  return text.length <= EXACT_CHARS ? text : text.slice(0, EXACT_CHARS);
}

/** The whole text's tokens from its exact part's: the rest extrapolated at the same rate. */
function extrapolated(text: string, exact: number): number {
  if (text.length <= EXACT_CHARS) return exact;
  return exact + Math.ceil(((text.length - EXACT_CHARS) * exact) / EXACT_CHARS);
}

/** A text's tokens, at most EXACT_CHARS of it counted and the rest extrapolated. */
export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : extrapolated(text, countPlainTokens(exactPart(text)));
}

/** countTextTokens without holding the event loop while the worker counts. */
export async function countTextTokensLater(text: string): Promise<number> {
  return text.length === 0 ? 0 : extrapolated(text, await countPlainTokensLater(exactPart(text)));
}

/** A prompt's tokens: its system text and each message's text, counted apart and summed, at least 1. */
export function countPromptTokens(texts: readonly string[]): number {
  let n = 0;
  for (const t of texts) n += countTextTokens(t);
  return Math.max(1, n);
}

/** countPromptTokens without holding the event loop while the worker counts. */
export async function countPromptTokensLater(texts: readonly string[]): Promise<number> {
  let n = 0;
  for (const c of await Promise.all(texts.map(countTextTokensLater))) n += c;
  return Math.max(1, n);
}

/** What an answer's tokens are counted of: each part counted whole. */
export interface OutputParts {
  text: string;
  refusal: string;
  thinking: string;
  args: string;
}

/** An answer's tokens: its text, refusal, thinking and tool-call arguments, each counted whole. */
export function countOutputTokens(parts: OutputParts): number {
  return (
    countTextTokens(parts.text) +
    countTextTokens(parts.refusal) +
    countTextTokens(parts.thinking) +
    countTextTokens(parts.args)
  );
}

/** countOutputTokens without holding the event loop while the worker counts. */
export async function countOutputTokensLater(parts: OutputParts): Promise<number> {
  const counts = await Promise.all([parts.text, parts.refusal, parts.thinking, parts.args].map(countTextTokensLater));
  return counts[0]! + counts[1]! + counts[2]! + counts[3]!;
}

serveCounts(ROLE, countPlain);
