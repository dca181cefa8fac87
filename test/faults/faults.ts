// The faults a case can play on its world, as a table: what starts the fault, what ends it. Every action is bounded
// (the helpers stop, start and kill with their own limits); `postgres-terminate` keeps ending the ledger's
// connections once a second until the fault ends.
import type { FaultName } from './cases.ts';
import type { World } from './world.ts';

export interface Fault {
  start(world: World): Promise<void>;
  /** Ends the fault; `start`'s result was awaited first. */
  end(world: World): Promise<void>;
}

const nothing = async (): Promise<void> => {};

/** The replica that a kill -9 takes: the last one. */
function victim(world: World) {
  return world.replicas[world.replicas.length - 1]!;
}

const terminators = new WeakMap<World, NodeJS.Timeout>();

export const FAULTS: Record<FaultName, Fault> = {
  none: { start: nothing, end: nothing },
  // Shut down as an operator would (its append-only file kept), then started again on the same port.
  'redis-stop': { start: (w) => w.redis.stop('SIGTERM'), end: (w) => w.redis.start() },
  'redis-kill-9': { start: (w) => w.redis.stop('SIGKILL'), end: (w) => w.redis.start() },
  'redis-pause': {
    start: async (w) => w.redis.freeze(),
    end: async (w) => w.redis.thaw(),
  },
  'redis-partition': {
    start: async (w) => w.partition?.cut(),
    end: async (w) => w.partition?.mend(),
  },
  // `SENTINEL FAILOVER`: resolves once the replica is the master and the old master its replica; nothing to end.
  'redis-failover': { start: (w) => w.sentinel!.failover(), end: nothing },
  'postgres-stop': { start: (w) => w.pg!.stop(), end: (w) => w.pg!.start() },
  'postgres-terminate': {
    async start(w) {
      await w.pg!.terminate(w.database!);
      // Unref'd: a case that throws before `end` must not keep the suite's process alive.
      const timer = setInterval(() => void w.pg!.terminate(w.database!).catch(() => undefined), 1_000);
      terminators.set(w, timer.unref());
    },
    end: async (w) => clearInterval(terminators.get(w)),
  },
  'gateway-kill-9': {
    start: kill,
    // Started again on its own home: a spool left there is found and sent.
    end: (w) => w.restart(victim(w)),
  },
  // Left dead, as a replica whose host is gone: the others carry on alone.
  'gateway-kill-9-gone': { start: kill, end: nothing },
};

async function kill(w: World): Promise<void> {
  const r = victim(w);
  r.endedByUs = true;
  r.proc.child.kill('SIGKILL');
  await r.proc.exited;
}

const KILLS: ReadonlySet<FaultName> = new Set(['gateway-kill-9', 'gateway-kill-9-gone']);

/** The replica a kill -9 took, for the figures. */
export function killedReplica(world: World): number | undefined {
  return KILLS.has(world.spec.fault) ? victim(world).index : undefined;
}
