// The gateway process's last line of defence (docs/gateway.md#errors-that-slip-through): an `unhandledRejection` or
// `uncaughtException` is a bug to fix, not a reason to drop every request in flight and refuse the next. It is logged
// once per distinct error (again at its 10th, 100th… occurrence, with the count), counted for /metrics
// (`switchyard_unhandled_errors_total{kind}`), and the process goes on.
import type { Logger } from '../../log.ts';

export type UnhandledKind = 'unhandled_rejection' | 'uncaught_exception';

export const UNHANDLED_KINDS: readonly UnhandledKind[] = ['unhandled_rejection', 'uncaught_exception'];

/** Distinct errors remembered for their counts; past it, new ones are still logged and counted, just not told apart. */
const MAX_DISTINCT = 1_000;

const WORDS: Record<UnhandledKind, string> = {
  unhandled_rejection: 'an unhandled promise rejection',
  uncaught_exception: 'an uncaught exception',
};

/** This process's counts, by kind: read by the metrics at scrape time (metrics.ts). */
const totals: Record<UnhandledKind, number> = { unhandled_rejection: 0, uncaught_exception: 0 };

export function unhandledCounts(): Readonly<Record<UnhandledKind, number>> {
  return totals;
}

/** Installs the listeners; the returned function takes them off again. */
export function guardProcess(logger: Logger): () => void {
  const seen = new Map<string, number>();
  const report = (kind: UnhandledKind, err: unknown): void => {
    totals[kind]++;
    const { name, message, frames } = describe(err);
    const key = `${kind}\0${name}\0${message}\0${frames[0] ?? ''}`;
    const count = (seen.get(key) ?? 0) + 1;
    if (seen.has(key) || seen.size < MAX_DISTINCT) seen.set(key, count);
    if (!isLogged(count)) return;
    const again = count === 1 ? '' : ` (seen ${count} times)`;
    logger.error(
      { kind, error: name, count, stack: frames },
      `${WORDS[kind]} (a bug: please report it); the gateway goes on${again}: ${message}`,
    );
  };
  const onRejection = (reason: unknown): void => report('unhandled_rejection', reason);
  const onException = (err: Error): void => report('uncaught_exception', err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

/** The 1st, 10th, 100th… of one error: said, not repeated for each of a burst. */
function isLogged(count: number): boolean {
  return /^10*$/.test(String(count));
}

/** The error's name, first line and where it was thrown (at most 8 frames): enough to find the bug. */
function describe(err: unknown): { name: string; message: string; frames: string[] } {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err).slice(0, 500), frames: [] };
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((l) => l.trimStart().startsWith('at '))
    .slice(0, 8)
    .map((l) => l.trim());
  return { name: err.name, message: (err.message.split('\n')[0] ?? '').slice(0, 500), frames };
}
