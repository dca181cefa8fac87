// Runs one fault case in a world of its own and measures what happened, never assuming: the requests as the clients
// saw them, the processes lost, what clients received against each cap, the shared counters once the store is back,
// the ledger's rows against the answers and the simulator's bill, the slowest wait during the fault, and the time
// until every replica is ready and no longer degraded. Every wait is bounded; a world that breaks is a row too.
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_KEY } from '../gateway/harness.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { CAP_SPENT, type FaultCase } from './cases.ts';
import { PRESENCE_TTL_MS } from '../../src/state/redis/replicas.ts';
import { FAULTS, killedReplica } from './faults.ts';
import { startLoad, type Load, type Shot } from './load.ts';
import { cutHolds } from './cut-holds.ts';
import { clearOfUtcMidnight } from '../helpers/day-window.ts';
import { startWorld, stopProcess, type Replica, type World } from './world.ts';

export interface Spend {
  usd: number;
  tokens: number;
}

export interface Figures {
  name: string;
  spec: FaultCase;
  /** The world or the run broke before the figures were complete. */
  error?: string;
  sent: number;
  served: number;
  refused: number;
  /** No answer, an error status other than a budget's 429, or an answer cut short. */
  failed: number;
  /** HTTP answers of any status. */
  answers: number;
  lost: number;
  lostWhy: string[];
  peakRssMiB: number;
  received: Spend;
  caps: Spend;
  /** The dearest single answer: "one request" in the caps criterion. */
  perRequest: Spend;
  /** What clients had received when the fault began (what remained of a cap then is what the replicas shared). */
  receivedBeforeFault?: Spend;
  /** The partition: the share the cut replica states for itself while cut (`held_locally_cap`), the requests it held
   * budget for in Redis at the cut (test/faults/cut-holds.ts; settled once it is back), and what they cost. */
  cutShare?: Spend;
  cutHeld?: number;
  cutInFlight?: Spend;
  /** The shared counters after recovery (spent), and holds still reserved then. */
  counter?: Spend;
  heldLeft?: Spend;
  rows?: number;
  ledgerTokens?: number;
  billedTokens: number;
  /** p99 latency before the fault, and the slowest request started during it. */
  baselineP99Ms: number;
  faultMaxMs: number;
  /** ms from the fault's end until every replica was ready and not degraded; null: not within 30 s, or a replica was
   * lost; absent: no end. */
  recoverMs?: number | null;
  /** The kill -9 case: the killed replica's answers per second in the last second before the kill. */
  killedRate?: number;
  /** The kill -9 case: answers the killed replica gave before the kill that have no row in its ledger (matched by
   * request id), and how long before the kill the oldest of them was answered (ms). */
  killLost?: number;
  killLostOldestMs?: number;
  /** The kill -9 cases: how late the killed replica's timers ran at most in the second before the kill (its
   * /metrics' event-loop delay), ms: a spool write due then was late by as much. */
  killedLagMs?: number;
  /** The kill -9 cases: budget refusals made while clients had received less than either cap less what the requests
   * in flight may hold (three times the load's concurrency in requests: the live ones, and the dead replica's, whose
   * holds count until they run out (HOLD_MS), each held at a little more than it spends). A request whose answer never
   * reached its client counts as spent at the mean cost from when it was sent. */
  belowCap?: BelowCap;
  /** The failover case: requests that failed though they were not in flight while the failover ran. */
  failedOutsideFault?: number;
}

export interface BelowCap {
  refused: number;
  /** Of those, the ones that said `x-should-retry: false`. */
  toldToStop: number;
  /** Of those, the ones that came once the killed replica's presence had lapsed (with a few beats to see it). */
  afterLapse: number;
  /** The longest Retry-After among them (s). */
  longestRetryAfterS: number;
  /** The first of them that said stop: when (ms after the kill) and what clients had received by then. */
  firstStop?: { afterKillMs: number; received: Spend };
}

interface BudgetView {
  budget: string;
  resource: string;
  spent: number;
  reserved: number;
  limit: number;
  held_locally_since?: string;
  held_locally_cap?: number;
}

const RECOVERY_BOUND_MS = 30_000;
const SETTLE_BOUND_MS = 10_000;
const TRIGGER_BOUND_MS = 30_000;

async function budgets(replica: Replica): Promise<BudgetView[] | undefined> {
  try {
    const res = await fetch(`${replica.proc.url}/admin/budgets`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: AbortSignal.timeout(2_000),
    });
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { budgets: BudgetView[] }).budgets;
  } catch {
    return undefined;
  }
}

async function ready(replica: Replica): Promise<boolean> {
  try {
    const res = await fetch(`${replica.proc.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { store?: { degraded?: boolean } };
    return res.status === 200 && body.store?.degraded !== true;
  } catch {
    return false;
  }
}

function alive(world: World): Replica[] {
  return world.replicas.filter((r) => r.proc.child.exitCode === null && r.proc.child.signalCode === null);
}

/** Polls `check` every 100 ms; the ms it took, or null past `boundMs`. */
async function within(boundMs: number, check: () => Promise<boolean>): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < boundMs) {
    if (await check()) return Date.now() - started;
    await sleep(100);
  }
  return null;
}

/** That share of either budget spent, as replica 0 reads the shared counters. */
async function spentAtLeast(world: World, share: number): Promise<boolean> {
  const rows = await budgets(alive(world)[0] ?? world.replicas[0]!);
  return rows?.some((b) => b.spent >= b.limit * share) ?? false;
}

/** The shared counters say what clients received: tokens exactly, USD to the header's rounding (6 significant digits a
 * request). */
export function spendMatches(counter: Spend, received: Spend, requests: number): boolean {
  return counter.tokens === received.tokens && Math.abs(counter.usd - received.usd) <= 1e-4 + requests * 1e-6;
}

function spendOf(rows: BudgetView[], resource: 'spent' | 'reserved'): Spend {
  return {
    usd: rows.find((b) => b.budget === 'key-usd')?.[resource] ?? NaN,
    tokens: rows.find((b) => b.budget === 'task-tokens')?.[resource] ?? NaN,
  };
}

/** The counters once nothing is in flight: waits (bounded) for every hold to settle and for what was spent while the
 * store was away to be written back, that is until they equal what clients received; else reports them as they are. */
async function settledCounters(
  world: World,
  received: Spend,
  served: number,
): Promise<{ counter?: Spend; heldLeft?: Spend }> {
  let rows: BudgetView[] | undefined;
  await within(SETTLE_BOUND_MS, async () => {
    const r = alive(world)[0];
    rows = r === undefined ? undefined : await budgets(r);
    return (
      rows !== undefined &&
      rows.every((b) => b.reserved === 0) &&
      spendMatches(spendOf(rows, 'spent'), received, served)
    );
  });
  if (rows === undefined) return {};
  return { counter: spendOf(rows, 'spent'), heldLeft: spendOf(rows, 'reserved') };
}

interface UsageTotal {
  total: { requests: number; input_tokens: number; output_tokens: number };
}

/** Rows and tokens in the ledger as `switchyard usage` reports them: one shared PostgreSQL, or each replica's SQLite. */
async function ledger(world: World): Promise<{ rows: number; tokens: number }> {
  const homes = world.spec.ledger === 'postgres' ? [world.replicas[0]!] : world.replicas;
  let rows = 0;
  let tokens = 0;
  for (const r of homes) {
    const out = await runCliInProcess(['--config', r.configPath, 'usage', '--since', '1d', '--json'], {
      env: { SWITCHYARD_HOME: r.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY },
      cwd: world.ws.dir,
      timeoutMs: 60_000,
    });
    if (out.code !== 0) throw new Error(`switchyard usage failed: ${out.stderr.trim()}`);
    const { total } = JSON.parse(out.stdout) as UsageTotal;
    rows += total.requests;
    tokens += total.input_tokens + total.output_tokens;
  }
  return { rows, tokens };
}

function p99(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
}

function tally(
  shots: Shot[],
): Pick<Figures, 'sent' | 'served' | 'refused' | 'failed' | 'answers' | 'received' | 'perRequest'> {
  const served = shots.filter((s) => s.served);
  const refused = shots.filter((s) => s.refused).length;
  return {
    sent: shots.length,
    served: served.length,
    refused,
    failed: shots.length - served.length - refused,
    answers: shots.filter((s) => s.status > 0).length,
    received: {
      usd: served.reduce((sum, s) => sum + s.usd, 0),
      tokens: served.reduce((sum, s) => sum + s.tokens, 0),
    },
    perRequest: {
      usd: served.reduce((m, s) => Math.max(m, s.usd), 0),
      tokens: served.reduce((m, s) => Math.max(m, s.tokens), 0),
    },
  };
}

/** The cut replica's requests in flight at the cut: those it held budget for in Redis then, at the dearest answer's
 * cost each (all cost alike here); else, where Redis could not be read, what clients received of those in flight as
 * the fault began. */
function cutFlight(
  shots: Shot[],
  faultStart: number,
  perRequest: Spend,
  held: number | undefined,
): Pick<Figures, 'cutInFlight' | 'cutHeld'> {
  if (held === undefined) return { cutInFlight: inFlightAt(shots, 0, faultStart) };
  return { cutHeld: held, cutInFlight: { usd: held * perRequest.usd, tokens: held * perRequest.tokens } };
}

/** What clients received of one replica's requests in flight at a moment. */
function inFlightAt(shots: Shot[], replica: number, at: number): Spend {
  const open = shots.filter((s) => s.served && s.replica === replica && s.start <= at && s.end > at);
  return { usd: open.reduce((sum, s) => sum + s.usd, 0), tokens: open.reduce((sum, s) => sum + s.tokens, 0) };
}

function emptyFigures(spec: FaultCase, error: string): Figures {
  return {
    name: spec.name,
    spec,
    error,
    ...tally([]),
    lost: 0,
    lostWhy: [],
    peakRssMiB: 0,
    caps: spec.caps,
    billedTokens: 0,
    baselineP99Ms: 0,
    faultMaxMs: 0,
  };
}

/** ms until every replica is ready and not degraded (but one the suite killed and left dead); null past the bound,
 * or at once when one was lost (nothing restarts it). */
async function recovery(world: World): Promise<number | null> {
  const ms = await within(
    RECOVERY_BOUND_MS,
    async () =>
      world.lost() > 0 || (await Promise.all(world.replicas.filter((r) => !r.endedByUs).map(ready))).every(Boolean),
  );
  return world.lost() > 0 ? null : ms;
}

export async function runCase(spec: FaultCase, say: (line: string) => void = () => {}): Promise<Figures> {
  await clearOfUtcMidnight((line) => say(`${spec.name}: ${line}`));
  let world: World;
  try {
    world = await startWorld(spec);
  } catch (err) {
    return emptyFigures(spec, `could not start: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return await play(world, say);
  } catch (err) {
    return emptyFigures(spec, err instanceof Error ? err.message : String(err));
  } finally {
    await world[Symbol.asyncDispose]();
  }
}

interface Timeline {
  faultStart: number;
  faultEnd: number;
  /** The partition: the cut replica's stated share, once it holds budgets on its own. */
  cutShare?: Spend;
  /** The partition: how many requests the cut replica held budget for in Redis when it was cut. */
  cutHeld?: number;
  recoverMs?: number | null;
  /** When the kill -9 was sent, for the case that plays one. */
  killAt?: number;
  /** The killed replica's longest event-loop delay in the second before the kill, ms. */
  killedLagMs?: number;
}

const RATE_WINDOW_MS = 1_000;

/** The longest delay of the replica's event loop over the next second (ms), from its /metrics: prom-client reads it
 * from a histogram it resets at each read, so the first read starts the window. 0 when /metrics does not say. */
async function loopDelayBefore(replica: Replica): Promise<number> {
  await loopDelayMax(replica);
  await sleep(RATE_WINDOW_MS);
  return loopDelayMax(replica);
}

async function loopDelayMax(replica: Replica): Promise<number> {
  try {
    const res = await fetch(`${replica.proc.url}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      signal: AbortSignal.timeout(10_000),
    });
    const max = /^switchyard_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(await res.text());
    return max === null ? 0 : Math.round(Number(max[1]) * 1000);
  } catch {
    return 0;
  }
}

/** What a kill -9 cost the killed replica's rows, answer by answer: its answers given before the kill whose request id
 * has no row (in its own SQLite file, or the shared PostgreSQL ledger), their oldest age at the kill, and its answer
 * rate just before it (not averaged from the load's start, whose first second is the replicas warming up). */
async function killLoss(
  world: World,
  shots: Shot[],
  killAt: number,
): Promise<Pick<Figures, 'killedRate' | 'killLost' | 'killLostOldestMs'>> {
  const killed = world.replicas[killedReplica(world)!]!;
  // Its answers until the kill: requests sent to it before the kill (a few are answered while the signal is on its
  // way); after the restart the same home answers again, and those rows are not at stake.
  const answered = shots.filter((s) => s.replica === killed.index && s.status > 0 && s.start <= killAt);
  const killedRate =
    answered.filter((s) => s.end > killAt - RATE_WINDOW_MS && s.end <= killAt).length / (RATE_WINDOW_MS / 1000);
  const ids = await ledgerIds(world, killed);
  const lost = answered.filter((s) => !ids.has(s.id));
  return {
    killedRate,
    killLost: lost.length,
    killLostOldestMs: lost.reduce((m, s) => Math.max(m, killAt - s.end), 0),
  };
}

/** The request ids with a row: the killed replica's own SQLite file, or the PostgreSQL ledger all replicas share. A
 * count against the rate before the kill stood in for PostgreSQL's; at load 40 it misjudged a loss of one interval. */
async function ledgerIds(world: World, killed: Replica): Promise<Set<string>> {
  if (world.spec.ledger === 'postgres') {
    const client = new pg.Client({ connectionString: `${world.pg!.url.replace(/\/[^/]*$/, '')}/${world.database!}` });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM usage_requests');
      return new Set(rows.map((r) => r.id));
    } finally {
      await client.end();
    }
  }
  const db = new DatabaseSync(join(killed.home, 'usage.db'), { readOnly: true });
  try {
    return new Set(
      db
        .prepare('SELECT id FROM usage_requests')
        .all()
        .map((r) => String(r.id)),
    );
  } finally {
    db.close();
  }
}

/** Requests that failed (neither served nor refused by a budget) and did not overlap the fault's window. */
function failedOutside(shots: Shot[], faultStart: number, faultEnd: number): number {
  return shots.filter((s) => !s.served && !s.refused && (s.end < faultStart || s.start > faultEnd)).length;
}

/** The share a replica cut off from Redis states for itself (`held_locally_cap`), once it holds budgets on its own
 * (within the case's fault, at most); undefined if it never says. */
async function statedShare(replica: Replica): Promise<Spend | undefined> {
  let share: Spend | undefined;
  await within(TRIGGER_BOUND_MS, async () => {
    const rows = await budgets(replica);
    const usd = rows?.find((b) => b.budget === 'key-usd');
    const tokens = rows?.find((b) => b.budget === 'task-tokens');
    if (usd?.held_locally_cap === undefined || tokens?.held_locally_cap === undefined) return false;
    share = { usd: usd.held_locally_cap, tokens: tokens.held_locally_cap };
    return true;
  });
  return share;
}

/** How long after a kill the dead replica's presence has surely lapsed, as the survivors see it: the presence's
 * time to live and a few of their beats. */
const LAPSE_SEEN_MS = PRESENCE_TTL_MS + 2_000;

/** The budget refusals made below a cap, by what clients had received when each was answered (served answers that
 * ended before it), with the requests in flight as slack: what each said, and whether it came after the lapse. */
function refusalsBelowCap(shots: Shot[], spec: FaultCase, perRequest: Spend, killAt: number): BelowCap {
  const slack = 3 * spec.concurrency;
  const floor = { usd: spec.caps.usd - slack * perRequest.usd, tokens: spec.caps.tokens - slack * perRequest.tokens };
  const served = shots.filter((s) => s.served).sort((a, b) => a.end - b.end);
  // A request whose answer never reached its client (cut by the kill, or timed out on a loaded machine) may still
  // have been spent: from when it was sent, at the mean cost, so a refusal after it is not taken for one below cap.
  const unanswered = shots.filter((s) => !s.served && !s.refused).sort((a, b) => a.start - b.start);
  const refused = shots.filter((s) => s.refused).sort((a, b) => a.end - b.end);
  const below: Shot[] = [];
  const received = { usd: 0, tokens: 0 };
  let firstStop: BelowCap['firstStop'];
  let next = 0;
  let nextUnanswered = 0;
  for (const r of refused) {
    for (; next < served.length && served[next]!.end <= r.end; next++) {
      received.usd += served[next]!.usd;
      received.tokens += served[next]!.tokens;
    }
    for (; nextUnanswered < unanswered.length && unanswered[nextUnanswered]!.start <= r.end; nextUnanswered++) {
      received.usd += perRequest.usd;
      received.tokens += perRequest.tokens;
    }
    if (received.usd < floor.usd && received.tokens < floor.tokens) {
      below.push(r);
      if (r.toldToStop === true && firstStop === undefined)
        firstStop = { afterKillMs: r.end - killAt, received: { ...received } };
    }
  }
  return {
    refused: below.length,
    toldToStop: below.filter((r) => r.toldToStop === true).length,
    afterLapse: below.filter((r) => r.start > killAt + LAPSE_SEEN_MS).length,
    longestRetryAfterS: below.reduce((m, r) => Math.max(m, r.retryAfterS ?? Infinity), 0),
    ...(firstStop !== undefined ? { firstStop } : {}),
  };
}

/** The fault played under the load: started once half a budget is spent (or at its time), ended after its duration,
 * then recovery and the load's last seconds. */
async function underLoad(world: World, load: Load, say: (line: string) => void): Promise<Timeline> {
  const { spec } = world;
  const fault = FAULTS[spec.fault];
  const loadStart = Date.now();
  if (typeof spec.startAt === 'number') await sleep(spec.startAt);
  else await within(TRIGGER_BOUND_MS, () => spentAtLeast(world, CAP_SPENT[spec.startAt as keyof typeof CAP_SPENT]));
  const faultStart = Date.now();
  say(
    `${spec.name}: fault ${spec.fault} at ${((faultStart - loadStart) / 1000).toFixed(1)} s, ${load.shots.length} requests so far`,
  );
  const killed = killedReplica(world);
  const killedLagMs = killed === undefined ? undefined : await loopDelayBefore(world.replicas[killed]!);
  const killAt = killed === undefined ? undefined : Date.now();
  await fault.start(world);
  const begun = Date.now();
  const cutShare = spec.fault === 'redis-partition' ? await statedShare(world.replicas[0]!) : undefined;
  const cutHeld = spec.fault === 'redis-partition' ? await cutHolds(world.redis.port) : undefined;
  await sleep(Math.max(0, begun + spec.faultMs - Date.now()));
  await fault.end(world);
  const faultEnd = Date.now();
  const recoverMs = spec.fault === 'none' ? undefined : await recovery(world);
  await sleep(spec.afterMs);
  return {
    faultStart,
    faultEnd,
    ...(cutShare !== undefined ? { cutShare } : {}),
    ...(cutHeld !== undefined ? { cutHeld } : {}),
    ...(recoverMs !== undefined ? { recoverMs } : {}),
    ...(killAt !== undefined ? { killAt } : {}),
    ...(killedLagMs !== undefined ? { killedLagMs } : {}),
  };
}

async function play(world: World, say: (line: string) => void): Promise<Figures> {
  const { spec } = world;
  const load = startLoad(world.replicas, world.clientKey, spec);
  let timeline: Timeline;
  try {
    timeline = await underLoad(world, load, say);
  } finally {
    // Whatever failed, the load stops: its workers would otherwise outlive the case.
    await load.stop();
  }
  const { faultStart, faultEnd, recoverMs, killAt, killedLagMs, cutShare, cutHeld } = timeline;
  const shots = load.shots;
  say(`${spec.name}: load stopped after ${shots.length} requests`);
  const seen = tally(shots);
  const counters = await settledCounters(world, seen.received, seen.served);
  for (const r of world.replicas) {
    if (r.lost !== undefined) continue;
    r.endedByUs = true;
    await stopProcess(r.proc);
  }
  const billed = world.sim.billed();
  const { rows, tokens } = await ledger(world);
  const before = shots.filter((s) => s.end < faultStart && s.status > 0).map((s) => s.end - s.start);
  const servedBefore = shots.filter((s) => s.served && s.end < faultStart);
  const during = shots.filter((s) => s.start >= faultStart && s.start <= faultEnd).map((s) => s.end - s.start);
  return {
    name: spec.name,
    spec,
    ...seen,
    lost: world.lost(),
    lostWhy: world.replicas.flatMap((r) => (r.lost === undefined ? [] : [`replica ${r.index}: ${r.lost}`])),
    peakRssMiB: Math.round(Math.max(...world.replicas.map((r) => r.peakRss)) / 2 ** 20),
    caps: spec.caps,
    ...counters,
    rows,
    ledgerTokens: tokens,
    billedTokens: billed.input_tokens + billed.output_tokens,
    receivedBeforeFault: {
      usd: servedBefore.reduce((sum, s) => sum + s.usd, 0),
      tokens: servedBefore.reduce((sum, s) => sum + s.tokens, 0),
    },
    ...(cutShare !== undefined ? { cutShare, ...cutFlight(shots, faultStart, seen.perRequest, cutHeld) } : {}),
    baselineP99Ms: p99(before),
    faultMaxMs: during.reduce((m, v) => Math.max(m, v), 0),
    ...(recoverMs !== undefined ? { recoverMs } : {}),
    ...(killAt !== undefined ? await killLoss(world, shots, killAt) : {}),
    ...(killedLagMs !== undefined ? { killedLagMs } : {}),
    ...(killAt !== undefined ? { belowCap: refusalsBelowCap(shots, spec, seen.perRequest, killAt) } : {}),
    ...(spec.fault === 'redis-failover' ? { failedOutsideFault: failedOutside(shots, faultStart, faultEnd) } : {}),
  };
}
