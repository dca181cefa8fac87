// loadConfig on a worker thread, for a process that serves while it reloads: a large config takes a second of CPU.
// The LoadedConfig comes back as a structured clone, so it must stay plain data, Maps and Sets.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { UserError, type UserErrorKind } from '../user-error.ts';
import { loadConfig, type LoadOptions } from './load.ts';
import type { LoadedConfig } from './types.ts';

/** Marks this module's worker, so that importing it on any other thread does nothing. */
const ROLE = 'switchyard:load-config';

type Answer =
  | { ok: true; loaded: LoadedConfig }
  | { ok: false; message: string; user?: { details: string[]; exitCode: number; kind: UserErrorKind } };

/** `loadConfig(options)` run on a worker thread: the loaded config, or rejects with the UserError it threw. */
export function loadConfigOffThread(options: LoadOptions): Promise<LoadedConfig> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { role: ROLE, options } });
    // Not waited for at exit: a process stopping mid-reload stops.
    worker.unref();
    let answered = false;
    worker.once('message', (answer: Answer) => {
      answered = true;
      if (answer.ok) resolve(answer.loaded);
      else reject(answer.user ? new UserError(answer.message, answer.user) : new Error(answer.message));
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the config loader stopped (exit code ${code}) without an answer`));
    });
  });
}

function answer(options: LoadOptions): Answer {
  try {
    return { ok: true, loaded: loadConfig(options) };
  } catch (err) {
    if (UserError.isInstance(err))
      return {
        ok: false,
        message: err.message,
        user: { details: err.details, exitCode: err.exitCode, kind: err.kind },
      };
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

function serve(options: LoadOptions): void {
  const reply = answer(options);
  try {
    parentPort?.postMessage(reply);
  } catch (err) {
    // Something in the result that cannot be cloned is a bug here, said as such rather than as a silent exit.
    parentPort?.postMessage({
      ok: false,
      message: `the loaded config could not be passed back: ${err instanceof Error ? err.message : String(err)}`,
    } satisfies Answer);
  }
}

const data = workerData as { role?: unknown; options?: LoadOptions } | null;
if (!isMainThread && data?.role === ROLE && data.options !== undefined) serve(data.options);
