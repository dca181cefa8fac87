// Reset hints in provider headers → how long to wait, read in order of authority
// (docs/routing.md#classification-which-kind). Pure: `now` is injected.
import type { HeaderBag } from './headers.ts';
import { headerGetter } from './headers.ts';

export interface RetryHints {
  /** How long the provider asked us to wait, in ms (never negative). */
  retryAfterMs?: number;
  /** When the limit resets, epoch ms. */
  resetAt?: number;
  /** `x-should-retry: true|false` when sent. */
  shouldRetry?: boolean;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style duration (`1s`, `6m0s`, `250ms`, `1h2m3.5s`) → ms; undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  }
  return total;
}

/** Capped, so a monthly quota or a garbled `retry-after` cannot bench a key past a day; a limit still in force will
 * say so again. */
export const MAX_SERVER_WAIT_MS = 24 * 3_600_000;

/** A server's reset time as it is honoured: not before now, not more than MAX_SERVER_WAIT_MS away. */
export function honouredReset(resetAt: number, now: number): number {
  return Math.min(now + MAX_SERVER_WAIT_MS, Math.max(now, Math.round(resetAt)));
}

/** A date as servers write one: an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`) or RFC 3339 (`2015-10-21T07:28:00Z`).
 * `Date.parse` alone also takes `-5` or `12` as years, which made a garbled header read as "reset now". */
const DATE_SHAPE = /^\s*(?:[A-Za-z]{3},?\s|\d{4}-\d{2}-\d{2})/;

function parseDate(text: string): number | undefined {
  if (!DATE_SHAPE.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}

function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

/** `retry-after`: delta seconds, or an HTTP date. */
function parseRetryAfter(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const seconds = parseNumber(text);
  if (seconds !== undefined) return seconds * 1000;
  const date = parseDate(text);
  return date === undefined ? undefined : date - now;
}

/** A reset header value → epoch ms: RFC 3339 / HTTP date, Go duration, epoch seconds or ms, or delta seconds. */
export function parseResetValue(text: string, now: number): number | undefined {
  const n = parseNumber(text);
  if (n !== undefined) {
    if (n > 1e12) return n; // epoch ms (OpenRouter)
    if (n > 1e9) return n * 1000; // epoch seconds
    return now + n * 1000; // delta seconds
  }
  const duration = parseGoDuration(text);
  if (duration !== undefined) return now + duration;
  return parseDate(text);
}

const RESET_FAMILIES: readonly { reset: string; remaining: string }[] = [
  { reset: 'x-ratelimit-reset-requests', remaining: 'x-ratelimit-remaining-requests' },
  { reset: 'x-ratelimit-reset-tokens', remaining: 'x-ratelimit-remaining-tokens' },
  { reset: 'anthropic-ratelimit-requests-reset', remaining: 'anthropic-ratelimit-requests-remaining' },
  { reset: 'anthropic-ratelimit-tokens-reset', remaining: 'anthropic-ratelimit-tokens-remaining' },
  { reset: 'anthropic-ratelimit-input-tokens-reset', remaining: 'anthropic-ratelimit-input-tokens-remaining' },
  { reset: 'anthropic-ratelimit-output-tokens-reset', remaining: 'anthropic-ratelimit-output-tokens-remaining' },
  { reset: 'x-ratelimit-reset', remaining: 'x-ratelimit-remaining' },
];

/** The reset of the exhausted limit (remaining 0); when none says so, the latest reset, so we never come back early. */
function resetFromHeaders(get: (name: string) => string | undefined, now: number): number | undefined {
  const exhausted: number[] = [];
  const all: number[] = [];
  for (const family of RESET_FAMILIES) {
    const raw = get(family.reset);
    if (raw === undefined) continue;
    const at = parseResetValue(raw, now);
    if (at === undefined) continue;
    all.push(at);
    if (parseNumber(get(family.remaining)) === 0) exhausted.push(at);
  }
  const pool = exhausted.length > 0 ? exhausted : all;
  return pool.length > 0 ? Math.max(...pool) : undefined;
}

function parseShouldRetry(text: string | undefined): boolean | undefined {
  const v = text?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

export function parseRetryHints(headers: HeaderBag | undefined, now: number): RetryHints {
  const get = headerGetter(headers);
  const hints: RetryHints = {};
  const shouldRetry = parseShouldRetry(get('x-should-retry'));
  if (shouldRetry !== undefined) hints.shouldRetry = shouldRetry;

  let wait = parseNumber(get('retry-after-ms'));
  wait ??= parseRetryAfter(get('retry-after'), now);
  const resetAt = wait !== undefined ? now + Math.max(0, wait) : resetFromHeaders(get, now);
  if (resetAt === undefined) return hints;
  hints.resetAt = honouredReset(resetAt, now);
  hints.retryAfterMs = hints.resetAt - now;
  return hints;
}

function wallClockMs(ms: number, timeZone: string): { hour: number; sinceMidnight: number } {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const hour = p['hour'] ?? 0;
  return { hour, sinceMidnight: ((hour * 60 + (p['minute'] ?? 0)) * 60 + (p['second'] ?? 0)) * 1000 + (ms % 1000) };
}

/** The next midnight in `timeZone` after `now` (epoch ms). A day that is 23 or 25 hours long (a DST change) is
 * corrected by looking at the clock the first guess lands on. */
export function nextMidnight(now: number, timeZone: string): number {
  const guess = now - wallClockMs(now, timeZone).sinceMidnight + 86_400_000;
  const { hour } = wallClockMs(guess, timeZone);
  if (hour === 23) return guess + 3_600_000;
  if (hour === 1) return guess - 3_600_000;
  return guess;
}
