// Periodic jobs that one process runs for every process sharing the state store (docs/replicas.md#jobs-run-once-per-deployment):
// the replicas on one Redis, the workers on one state file. Each job runs only while this process holds its lease
// `job:<name>` (the store's LeaseStore, the one minted keys use), renewed while the process lives; when the holder
// dies its lease runs out and another process takes the job over. Only the shared store grants it: while it cannot be
// asked (Redis down or cut off), no process runs a job, the holder included.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LeaseStore } from '../../state/types.ts';

export interface ClusterJob {
  /** Names its lease, `job:<name>`. */
  name: string;
  /** How often it runs while this process holds the lease; a process that takes the lease runs it at once. */
  everyMs: number;
  /** Throws when it fails: said, and tried again after `everyMs`. */
  run(): Promise<void>;
}

export const JOB_LEASE = {
  /** How long a holder that stopped renewing (killed, hung) keeps the job from the others. */
  ttlMs: 60_000,
  /** Renewed three times a lease: two renewals lost to a slow store do not hand the job over. */
  renewEveryMs: 20_000,
} as const;

export interface ClusterJobsOptions {
  store: LeaseStore;
  jobs: readonly ClusterJob[];
  /** Who holds the lease: unique per process (default: host, pid and a random id). */
  holder?: string;
  ttlMs?: number;
  renewEveryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Where a lease taken or lost and a job's failure are said. */
  info?: (message: string) => void;
  warn?: (message: string) => void;
}

export interface ClusterJobs {
  /** The jobs whose lease this process holds now. */
  held(): string[];
  /** Stops renewing, waits for a job running now, and lets this process's leases go so another takes them at once. */
  stop(): Promise<void>;
}

interface JobState {
  job: ClusterJob;
  lease: string;
  held: boolean;
  /** Until when the last grant holds in the store: asked for before it, the lease was never anyone else's. */
  grantedUntil: number;
  lastRun: number;
  running: Promise<void> | undefined;
}

/** The store's answer for a lease: granted to this process, held by another, or not known (it cannot be asked). */
type LeaseAnswer = 'granted' | 'other' | 'unknown';

export function startClusterJobs(options: ClusterJobsOptions): ClusterJobs {
  const { store } = options;
  const holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID()}`;
  const ttlMs = options.ttlMs ?? JOB_LEASE.ttlMs;
  const renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  const states: JobState[] = options.jobs.map((job) => ({
    job,
    lease: `job:${job.name}`,
    held: false,
    grantedUntil: -Infinity,
    lastRun: -Infinity,
    running: undefined,
  }));
  let stopped = false;
  let wake: () => void = () => {};
  const stopping = new Promise<void>((resolve) => (wake = resolve));

  const ask = async (s: JobState): Promise<{ answer: LeaseAnswer; why?: string }> => {
    try {
      const taken = await store.acquireLease(s.lease, holder, ttlMs, { sharedOnly: true });
      return { answer: taken ? 'granted' : 'other' };
    } catch (err) {
      return { answer: 'unknown', why: err instanceof Error ? err.message : String(err) };
    }
  };

  const tend = async (s: JobState): Promise<void> => {
    const askedAt = now();
    const { answer, why } = await ask(s);
    const held = answer === 'granted';
    if (held !== s.held)
      options.info?.(
        `${held ? 'runs' : 'no longer runs'} the once-per-deployment job ${s.job.name}${why === undefined ? '' : ` (${why})`}`,
      );
    // A process that takes the lease over runs the job at once: the one before may have died just before its turn.
    // Its own lease taken back before it ran out (the store was out of reach a moment) was nobody else's meanwhile.
    if (held && !s.held && askedAt >= s.grantedUntil) s.lastRun = -Infinity;
    if (held) s.grantedUntil = askedAt + ttlMs;
    s.held = held;
    if (!held || stopped || s.running !== undefined || now() - s.lastRun < s.job.everyMs) return;
    s.lastRun = now();
    s.running = s.job
      .run()
      .catch((err: unknown) =>
        options.warn?.(
          `the job ${s.job.name} failed (${err instanceof Error ? err.message : String(err)}); it runs again later`,
        ),
      )
      .finally(() => (s.running = undefined));
  };

  const loop = (async () => {
    while (!stopped) {
      await Promise.all(states.map(tend));
      await Promise.race([sleep(renewEveryMs), stopping]);
    }
  })();

  return {
    held: () => states.filter((s) => s.held).map((s) => s.job.name),
    async stop() {
      stopped = true;
      wake();
      await loop;
      await Promise.all(states.map((s) => s.running));
      await Promise.all(states.filter((s) => s.held).map((s) => store.releaseLease(s.lease, holder).catch(() => {})));
      for (const s of states) s.held = false;
    },
  };
}
