// Loaded with `--import` into the gateway process that bench/async-counts.ts measures: counts the promises made and
// the timers, immediates and ticks scheduled, and on each SIGUSR2 writes the counts so far to ASYNC_COUNTS_FILE. With
// ASYNC_COUNTS_SITES=1, the promises made after the first SIGUSR2 are also counted by the four frames that made them
// (a stack per promise: slow, so only over the measured load).
import { writeFileSync } from 'node:fs';
import { promiseHooks } from 'node:v8';

const file = process.env['ASYNC_COUNTS_FILE'];
const withSites = process.env['ASYNC_COUNTS_SITES'] === '1';

export interface AsyncCounts {
  promises: number;
  timeouts: number;
  cleared: number;
  immediates: number;
  ticks: number;
  /** Promises by the frames that made them, counted after the first report. */
  sites: [string, number][];
}

const counts: Omit<AsyncCounts, 'sites'> = { promises: 0, timeouts: 0, cleared: 0, immediates: 0, ticks: 0 };
const sites = new Map<string, number>();
let sampling = false;

/** The four frames under the hook's own, shortened to what a reader needs: a function and its file:line. */
function siteOf(stack: string): string {
  return stack
    .split('\n')
    .slice(2, 6)
    .map((line) =>
      line
        .trim()
        .replace(/^at /, '')
        .replace(/(?:file:\/\/)?\/[^\s()]*?\/(src|node_modules)\//, '$1/')
        .replace(/\(node:internal[^)]*\)/, '(node)'),
    )
    .join(' < ');
}

/** Wraps a global scheduling function so each call is counted; the original does the work. */
function counted<F extends (...args: never[]) => unknown>(original: F, count: () => void): F {
  return function (this: unknown, ...args: Parameters<F>) {
    count();
    return original.apply(this, args);
  } as F;
}

if (file !== undefined) {
  promiseHooks.onInit(() => {
    counts.promises++;
    if (!sampling) return;
    const site = siteOf(new Error().stack ?? '');
    sites.set(site, (sites.get(site) ?? 0) + 1);
  });
  globalThis.setTimeout = counted(globalThis.setTimeout, () => counts.timeouts++);
  globalThis.clearTimeout = counted(globalThis.clearTimeout, () => counts.cleared++);
  globalThis.setImmediate = counted(globalThis.setImmediate, () => counts.immediates++);
  process.nextTick = counted(process.nextTick, () => counts.ticks++);
  process.on('SIGUSR2', () => {
    const report: AsyncCounts = { ...counts, sites: [...sites] };
    writeFileSync(file, JSON.stringify(report));
    sampling = withSites;
  });
}
