// Counting tokens of text with gpt-tokenizer's o200k encoding: the estimate of an attempt the upstream reported no
// usage for (or that its caller hung up on), and the simulator's own count (so what it bills and what we estimate are
// counted alike). The tokenizer runs in a worker thread (tokenizer-worker.ts), called synchronously (synckit: the
// caller waits on a shared flag): its ~50 MB of tables then live in that thread's heap, not in the one that serves
// requests, whose collector would otherwise mark them on every full collection — 7–10 % more CPU per request for the
// rest of a gateway's life after its first hang-up (bench/README.md). The worker is started by the router's first call
// (its thread boots meanwhile, so an estimate waits for no more than the tables' loading, as before); the tables load
// on its first count; a batch is one round trip.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyncFn } from 'synckit';
import { countTextTokensHere } from './tokenizer.ts';

type CountBatch = (texts: readonly string[]) => number[];

/** A count that takes longer is given up on, and this process counts in its own thread from then on. */
const WORKER_TIMEOUT_MS = 60_000;

/** The worker's entry, `.ts` from the sources, `.js` as built. */
const WORKER = new URL(`./tokenizer-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

let counter: CountBatch | undefined;

function inThisThread(texts: readonly string[]): number[] {
  return texts.map(countTextTokensHere);
}

/** Starts the worker, if it is not running: its thread boots beside this one and nothing waits for it, so the first
 * count waits only for the tokenizer's tables to load, as it would counting here. The router's calls and the
 * simulator start it; a count starts it too. */
export function startTokenCounter(): void {
  if (counter !== undefined) return;
  try {
    counter = createSyncFn<CountBatch>(WORKER, { timeout: WORKER_TIMEOUT_MS });
  } catch {
    counter = inThisThread;
  }
}

/** Each text's tokens, in one round trip to the worker. A worker that cannot be started or does not answer leaves the
 * counting to this thread: the counts are the same, only the heap that holds the tables differs. */
export function countTexts(texts: readonly string[]): number[] {
  if (texts.length === 0) return [];
  startTokenCounter();
  try {
    return counter!(texts);
  } catch {
    counter = inThisThread;
    return inThisThread(texts);
  }
}

export function countTextTokens(text: string): number {
  return text.length === 0 ? 0 : countTexts([text])[0]!;
}

/** A prompt's tokens: its system text and each message's text, counted apart and summed, at least 1. */
export function countPromptTokens(texts: readonly string[]): number {
  let n = 0;
  for (const c of countTexts(texts)) n += c;
  return Math.max(1, n);
}

/** An answer's tokens: its text, refusal, thinking and tool-call arguments, each counted whole. */
export function countOutputTokens(parts: { text: string; refusal: string; thinking: string; args: string }): number {
  let n = 0;
  for (const c of countTexts([parts.text, parts.refusal, parts.thinking, parts.args])) n += c;
  return n;
}
