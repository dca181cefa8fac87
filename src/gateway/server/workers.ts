// `switchyard gateway --workers N`: a primary process forks N gateway workers that share one port (node:cluster),
// starts another when one dies, passes its signals on as messages, and writes the workers' log lines whole, one
// stream at a time (docs/replicas.md#workers-every-core).
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import type { Logger } from '../../log.ts';
import { MAX_WORKERS } from '../../config/schema.ts';
import { UserError } from '../../user-error.ts';
import { isRedisUrl } from '../../config/redis-url.ts';

/** What a worker tells the primary. */
export type FromWorker = { type: 'switchyard:ready'; url: string };
/** What the primary tells a worker: drain and exit (a first signal), cut what is left (a second), reload. */
export type ToWorker = { type: 'switchyard:drain' } | { type: 'switchyard:cut' } | { type: 'switchyard:reload' };

/** Set in a worker's environment (with its number), so the same `switchyard gateway` command serves as a worker. */
export const WORKER_ENV = 'SWITCHYARD_GATEWAY_WORKER';

/** `--workers` or `gateway.workers` as a count: a number from 1 to MAX_WORKERS, or `auto` (one per core). */
export function workerCount(value: string | number, where: string): number {
  if (value === 'auto') return availableParallelism();
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS)
    throw new UserError(
      `${where}: expected a number of workers from 1 to ${MAX_WORKERS}, or auto (one per core), got ${JSON.stringify(value)}`,
    );
  return n;
}

/** Workers must share credential health, breakers and client keys through the store; a store private to one process
 * (memory) would give each worker its own, so a key one worker found rate-limited would be tried again by the others. */
export function sharedStateProblem(kind: string): string | undefined {
  if (kind === 'sqlite' || isRedisUrl(kind)) return undefined;
  return `--workers needs a state store the workers share (gateway.state: sqlite, the default, or a Redis URL); a ${kind} store is private to one process, so each worker would keep its own credential health, breakers and client keys`;
}

export interface WorkersOptions {
  count: number;
  /** The command each worker runs (bin/switchyard.js) and its arguments (`gateway --config …`). */
  exec: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Where the workers' stderr and stdout go, a whole number of lines per write. */
  stderr: (chunk: Buffer) => void;
  stdout: (chunk: Buffer) => void;
}

export interface Workers {
  url: string;
  /** The pids of the workers running now. */
  pids(): number[];
  /** Asks every worker to drain and exit (again: to cut what is left); resolves when all have exited. */
  stop(): Promise<void>;
  cut(): void;
  reload(): void;
  /** Resolves with the exit code the primary should end with once every worker has stopped. */
  stopped: Promise<number>;
}

/** A worker that exits this soon after starting is started again only after a pause, growing while it keeps failing. */
const STEADY_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

/** A worker that could not start: its own error is already on stderr. */
export class WorkerStartError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`a gateway worker exited while starting (exit code ${exitCode})`);
    this.exitCode = exitCode;
  }
}

export async function startWorkers(options: WorkersOptions): Promise<Workers> {
  cluster.setupPrimary({
    exec: options.exec,
    args: options.args,
    cwd: options.cwd,
    silent: true,
  });
  const { logger } = options;
  const running = new Map<number, Worker>();
  let stopping = false;
  let failures = 0;
  let settle: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (settle = resolve));
  let worstExit = 0;

  /** Forks worker `slot`; resolves with its URL once it listens, rejects if it exits first. */
  const fork = (slot: number): Promise<string> => {
    const worker = cluster.fork({ ...options.env, [WORKER_ENV]: String(slot) });
    const startedAt = Date.now();
    const output = [pipeLines(worker.process.stderr, options.stderr), pipeLines(worker.process.stdout, options.stdout)];
    running.set(slot, worker);
    // A message that cannot reach a worker going away (EPIPE on its channel) is said by its exit, below.
    worker.on('error', () => {});
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWorker) => {
        if (m?.type !== 'switchyard:ready') return;
        ready = true;
        failures = 0;
        resolve(m.url);
      });
      worker.on('exit', (code, signal) => {
        // Its last lines first: they say why it stopped.
        void Promise.all(output).then(() => {
          running.delete(slot);
          const exitCode = code ?? 1;
          if (!ready) reject(new WorkerStartError(exitCode));
          if (stopping) {
            // A drain that failed in one worker is the shutdown's failure (one replaced earlier is not).
            if (exitCode !== 0) worstExit = 1;
            if (running.size === 0) settle(worstExit);
            return;
          }
          if (!ready && !everReady) return;
          const how = signal ? `signal ${signal}` : `exit code ${exitCode}`;
          failures = Date.now() - startedAt < STEADY_MS ? failures + 1 : 0;
          const pause = failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (failures - 1));
          logger.warn(
            { worker: slot, worker_pid: worker.process.pid, code, signal, restart_in_ms: pause },
            `gateway worker ${slot} (pid ${worker.process.pid}) stopped (${how}); starting another${pause > 0 ? ` in ${pause / 1000} s` : ''}`,
          );
          setTimeout(() => {
            if (stopping) return;
            fork(slot).then(
              () =>
                logger.info(
                  { worker: slot, worker_pid: running.get(slot)?.process.pid },
                  `gateway worker ${slot} started again`,
                ),
              () => {},
            );
          }, pause).unref();
        });
      });
    });
  };

  const send = (message: ToWorker): void => {
    for (const w of running.values()) {
      try {
        if (w.isConnected()) w.send(message);
      } catch {
        // Exiting already: its exit is handled above.
      }
    }
  };

  let everReady = false;
  let url: string;
  try {
    // One first, alone: a start-up error (the port is taken, the store cannot be opened) is said once, not N times.
    url = await fork(1);
    everReady = true;
    await Promise.all(Array.from({ length: options.count - 1 }, (_, i) => fork(i + 2)));
  } catch (err) {
    stopping = true;
    send({ type: 'switchyard:drain' });
    if (running.size > 0) await stopped;
    throw err;
  }
  return {
    url,
    pids: () => [...running.values()].map((w) => w.process.pid ?? 0),
    stop: () => {
      stopping = true;
      if (running.size === 0) settle(worstExit);
      send({ type: 'switchyard:drain' });
      return stopped.then(() => {});
    },
    cut: () => send({ type: 'switchyard:cut' }),
    reload: () => send({ type: 'switchyard:reload' }),
    stopped,
  };
}

/** Passes a worker's output on in whole lines: a chunk is written up to its last newline and the rest kept for the
 * next one, so lines of two workers never interleave. Resolves when the stream ends. */
function pipeLines(stream: Readable | null | undefined, write: (chunk: Buffer) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  // A pipe that fails closes too: its end is handled below.
  stream.on('error', () => {});
  let rest: Buffer | undefined;
  stream.on('data', (chunk: Buffer) => {
    const joined = rest ? Buffer.concat([rest, chunk]) : chunk;
    const end = joined.lastIndexOf(0x0a);
    if (end === -1) {
      rest = joined;
      return;
    }
    write(joined.subarray(0, end + 1));
    rest = end + 1 < joined.length ? joined.subarray(end + 1) : undefined;
  });
  return new Promise((resolve) =>
    stream.once('close', () => {
      if (rest) write(Buffer.concat([rest, Buffer.from('\n')]));
      resolve();
    }),
  );
}
