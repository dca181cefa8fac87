// Once-per-deployment jobs (src/gateway/server/cluster-jobs.ts) over real stores shared as a deployment shares them: two
// processes' handles on one state file (`gateway --workers`), two replicas on one private Redis. Exactly one runs the
// job; a holder that hangs (its sleep never ends, so it never renews) hands the job over once its lease runs out; a
// holder that stops lets it go at once; a replica cut off from Redis runs nothing, and with Redis stopped under both
// neither does, the holder included, until it is back.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/state/open.ts';
import { startClusterJobs, type ClusterJob } from '../../src/gateway/server/cluster-jobs.ts';
import type { StateStore } from '../../src/state/types.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';
import { freePort } from '../helpers/net.ts';
import { SLOW_STEP_MS, until } from '../helpers/until.ts';

/** Long enough that a loaded machine's late renewal never hands the job over while its holder lives. */
const TTL_MS = 10_000;
const RENEW_MS = 50;

/** A process's sleep between renewals, which the test can hang (as a process stopped or killed: it never renews). */
function napper(): { sleep: (ms: number) => Promise<void>; hang: () => void; naps: () => number } {
  let hung = false;
  let naps = 0;
  return {
    sleep: (ms) => {
      naps += 1;
      return hung ? new Promise<void>(() => {}) : new Promise<void>((resolve) => setTimeout(resolve, ms));
    },
    hang: () => (hung = true),
    naps: () => naps,
  };
}

function job(runs: string[], who: string): ClusterJob {
  return {
    name: 'usage-prune',
    everyMs: 3_600_000,
    run: async () => {
      runs.push(who);
    },
  };
}

interface Shared extends AsyncDisposable {
  a: StateStore;
  b: StateStore;
}

/** Two handles on one state file, as the workers of one gateway have. */
function oneStateFile(): Shared {
  const ws = tempWorkspace('switchyard-jobs-sqlite-');
  const a = openStore({ home: ws.home });
  const b = openStore({ home: ws.home });
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      await a.close();
      await b.close();
      ws.cleanup();
    },
  };
}

/** Two replicas on one Redis, each with its own state directory. */
async function oneRedis(): Promise<Shared> {
  const redis = await startTestRedis();
  const one = tempWorkspace('switchyard-jobs-redis-a-');
  const two = tempWorkspace('switchyard-jobs-redis-b-');
  const a = openStore({ kind: redis.url, home: one.home, warn: () => {} });
  const b = openStore({ kind: redis.url, home: two.home, warn: () => {} });
  await Promise.all([a.ready(), b.ready()]);
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      await a.close();
      await b.close();
      await redis.stop();
      one.cleanup();
      two.cleanup();
    },
  };
}

const BACKENDS = [
  { name: 'one state file', skip: undefined, open: async () => oneStateFile() },
  { name: 'one Redis', skip: REDIS_MISSING, open: oneRedis },
] as const;

for (const backend of BACKENDS) {
  describe(`cluster jobs on ${backend.name}`, { skip: backend.skip }, () => {
    test('exactly one process runs the job; a hung holder hands it over once its lease runs out', async () => {
      await using shared = await backend.open();
      const runs: string[] = [];
      const napsA = napper();
      const napsB = napper();
      const timing = { ttlMs: TTL_MS, renewEveryMs: RENEW_MS };
      const a = startClusterJobs({ store: shared.a, jobs: [job(runs, 'a')], sleep: napsA.sleep, ...timing });
      await until('the first process to run the job', () => runs.length === 1);
      const b = startClusterJobs({ store: shared.b, jobs: [job(runs, 'b')], sleep: napsB.sleep, ...timing });
      try {
        await until('the second process to ask for the lease a few times', () => napsB.naps() >= 5);
        assert.deepEqual(runs, ['a'], 'only the holder runs it');
        assert.deepEqual(a.held(), ['usage-prune']);
        assert.deepEqual(b.held(), []);

        napsA.hang();
        await until('the second process to take the job over', () => runs.length === 2, TTL_MS + 15_000);
        assert.deepEqual(runs, ['a', 'b']);
        assert.deepEqual(b.held(), ['usage-prune']);
      } finally {
        await b.stop();
        await a.stop();
      }
    });

    test('a holder that stops lets the job go: the other takes it without waiting for the lease to run out', async () => {
      await using shared = await backend.open();
      const runs: string[] = [];
      // A lease far longer than the test's wait: only a release hands the job over in time.
      const timing = { ttlMs: 600_000, renewEveryMs: RENEW_MS };
      const a = startClusterJobs({ store: shared.a, jobs: [job(runs, 'a')], ...timing });
      await until('the first process to run the job', () => runs.length === 1);
      const b = startClusterJobs({ store: shared.b, jobs: [job(runs, 'b')], ...timing });
      try {
        await a.stop();
        await until('the second process to take the job over', () => runs.length === 2);
        assert.deepEqual(runs, ['a', 'b']);
      } finally {
        await b.stop();
      }
    });
  });
}

test(
  'a replica that cannot reach Redis runs no job: it cannot know whether another holds the lease',
  {
    skip: REDIS_MISSING,
  },
  async () => {
    using ws = tempWorkspace('switchyard-jobs-cut-off-');
    const port = await freePort();
    await using store = openStore({ kind: `redis://127.0.0.1:${port}/0`, home: ws.home, warn: () => {} });
    const runs: string[] = [];
    const naps = napper();
    const jobs = startClusterJobs({ store, jobs: [job(runs, 'a')], sleep: naps.sleep, renewEveryMs: RENEW_MS });
    try {
      await until('the process to ask for the lease a few times', () => naps.naps() >= 5);
      assert.deepEqual(runs, []);
      assert.deepEqual(jobs.held(), []);
    } finally {
      await jobs.stop();
    }
  },
);

test(
  'Redis stopped under two replicas: neither runs the job, the holder included, until Redis answers again',
  { skip: REDIS_MISSING },
  async () => {
    const redis = await startTestRedis();
    using one = tempWorkspace('switchyard-jobs-stopped-a-');
    using two = tempWorkspace('switchyard-jobs-stopped-b-');
    await using a = openStore({ kind: redis.url, home: one.home, warn: () => {} });
    await using b = openStore({ kind: redis.url, home: two.home, warn: () => {} });
    await Promise.all([a.ready(), b.ready()]);
    const runs: string[] = [];
    const napsA = napper();
    const napsB = napper();
    // Nothing here waits for a lease to run out (the restarted Redis holds none): a lease far longer than any stall of
    // this process on a saturated machine, so the other replica never takes the job before Redis stops.
    const timing = { ttlMs: 600_000, renewEveryMs: RENEW_MS };
    const jobsA = startClusterJobs({ store: a, jobs: [job(runs, 'a')], sleep: napsA.sleep, ...timing });
    await until('the first replica to run the job', () => runs.length === 1);
    const jobsB = startClusterJobs({ store: b, jobs: [job(runs, 'b')], sleep: napsB.sleep, ...timing });
    try {
      await until('the second replica to ask for the lease', () => napsB.naps() >= 2);
      await redis.stop();
      const [askedA, askedB] = [napsA.naps(), napsB.naps()];
      // Each asks many times while Redis is gone: the first asks come before the client has seen it go.
      await until('both replicas to ask a few times with Redis gone', () =>
        [napsA.naps() - askedA, napsB.naps() - askedB].every((n) => n >= 10),
      );
      assert.deepEqual(runs, ['a'], 'the other replica never takes the job from its own embedded store');
      assert.deepEqual(jobsA.held(), [], 'the holder cannot know its lease still holds');
      assert.deepEqual(jobsB.held(), []);

      await redis.start();
      // The client reconnects on its own schedule (at most every 2 s), later on a busy machine.
      await until(
        'one replica to hold the job again',
        () => jobsA.held().length + jobsB.held().length === 1,
        SLOW_STEP_MS,
      );
      assert.ok(runs.length <= 2, `ran ${runs.join(', ')}`);
    } finally {
      await jobsB.stop();
      await jobsA.stop();
      await redis.stop();
    }
  },
);
