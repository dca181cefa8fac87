// The body-size sweep (issue 53, `node bench/compare.bench.ts --sweep [--quick] [DIR…]`): agents' requests — five
// words, 20 KB, 200 KB, 1 MB (bench/agent-body.ts) — through the buffered proxy (bare-proxy.ts), the piped proxy
// (piped-proxy.ts) and `switchyard gateway` (this clone's, and each other checkout given: the before of a change),
// same shape and across shapes, in one run of interleaved one-second slices at 32 connections. CPU is each server's
// own from /proc, per request and per KB, as a ratio to the buffered proxy's over the run's totals (the per-slice
// ratios' spread beside it); throughput as a share of the piped proxy's, likewise. Then streams at C=32 (CPU per
// chunk, time to first byte at a 200 KB request), RSS idle and after a sustained load of 200 KB bodies, and PASS/FAIL
// for each target of the issue. BENCH_SWEEP_ONLY=streams runs the streams alone (no slices, no CPU targets);
// BENCH_STREAM_WARM sets how many rounds of streams warm each server up first (6), BENCH_STREAM_ROUNDS how many are
// counted (7; 2 with --quick).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GATEWAY_ENV, HEAP_VARIABLE } from '../src/gateway/server/process-memory.ts';
import { agentBody, BODY_SIZES, type BodyShape, type BodySize } from './agent-body.ts';
import { benchGatewayConfig, installedCopy, startCliGateway, stopCliGateway, type CliGateway } from './cli-gateway.ts';
import { median, load, percentile, type LoadTarget } from './load.ts';
import { cpuMicrosOf, memoryParts, mib, partsText, rssOf } from './proc-memory.ts';
import { serve, stop, type Served } from './server-process.ts';
import { setStreamPace } from './stream-answer.ts';
import { shapedStreamJob, spawnStreams } from './stream-load.ts';

export interface SweepOptions {
  quick: boolean;
  /** Other checkouts whose gateway runs beside this one's. */
  others: string[];
}

/** The issue's targets (SPEC §9's wave on the way). */
const TARGET = {
  sameShapeCpu: 2.0,
  crossShapeCpu: 3.0,
  throughputFiveWords: 0.65,
  throughput200k: 0.5,
  addedTtfbMs: 1,
  streamCpu: 1.4,
  rssSustained: 2.0,
  rssIdle: 1.5,
};

const CONNECTIONS = 32;

export type Kind = 'buffered' | 'piped' | 'gateway';

/** One server and route the load goes to: the caller's shape and the upstream's. */
export interface Target {
  name: string;
  kind: Kind;
  gateway?: string;
  client: BodyShape;
  upstream: BodyShape;
  pid: number;
  url: string;
  key?: string;
}

interface Slice {
  cpu: number;
  requests: number;
  rps: number;
  failed: number;
}

const arrow = (t: Pick<Target, 'client' | 'upstream'>): string => `${t.client}→${t.upstream}`;

const spread = (xs: readonly number[], digits = 2): string =>
  xs.length < 2 ? '' : `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

/** The per-slice (or per-round) ratios beside a verdict, flagged when the target's line runs through them: on a
 * shared machine such a verdict is the run's noise as much as the code's (docs/gateway.md, "How to read it"). */
function spreadNote(values: readonly number[], line: number, what: 'slices' | 'rounds' = 'slices'): string {
  if (values.length < 2) return '';
  const crossed = Math.min(...values) <= line && line < Math.max(...values);
  return ` (${what} ${spread(values)}${crossed ? ': the line runs through them' : ''})`;
}

/** Through a proxy the model is the upstream's own; through the gateway a `provider/model` picks the upstream. */
function modelFor(t: Pick<Target, 'kind' | 'upstream'>): string {
  if (t.kind !== 'gateway') return t.upstream === 'openai' ? 'bench-model' : 'claude-bench';
  return t.upstream === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench';
}

function headersFor(t: Target): Record<string, string> {
  if (t.key === undefined) return {};
  return t.client === 'openai'
    ? { authorization: `Bearer ${t.key}` }
    : { 'x-api-key': t.key, 'anthropic-version': '2023-06-01' };
}

const bodies = new Map<string, string>();

/** The load a target gets at a size: its route's model, its key, and the agent's body (made once a run). */
export function loadTarget(t: Target, size: BodySize): LoadTarget {
  const model = modelFor(t);
  const id = `${t.client}:${size.bytes}:${model}`;
  let body = bodies.get(id);
  if (body === undefined) bodies.set(id, (body = agentBody(t.client, size, model)));
  return {
    name: t.name,
    url: t.url,
    headers: headersFor(t),
    path: t.client === 'openai' ? '/v1/chat/completions' : '/v1/messages',
    body,
  };
}

interface Servers {
  upstream: Served;
  buffered: Served;
  piped: Served;
  gateways: { name: string; g: CliGateway }[];
}

async function startServers(dir: string, others: string[]): Promise<Servers> {
  const upstream = await serve(['upstream']);
  // The proxies get the allocator settings `switchyard gateway` starts with and Node's compile cache, so idle RSS
  // compares like with like (as bench/stream.bench.ts does).
  const env = {
    ...GATEWAY_ENV,
    NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? join(tmpdir(), 'node-compile-cache'),
  };
  const buffered = await serve(['proxy', upstream.url], [], env);
  const piped = await serve(['piped', upstream.url], [], env);
  const config = benchGatewayConfig(upstream.url);
  const gateways = [{ name: 'this', g: await startCliGateway({ dir: join(dir, 'this'), config, clientKey: true }) }];
  // BENCH_HEAP=v8 (or lean): this clone's gateway again with that SWITCHYARD_GATEWAY_HEAP, both sizings in one run.
  const heap = process.env['BENCH_HEAP'];
  if (heap !== undefined && heap !== '')
    gateways.push({
      name: `this,${heap}`,
      g: await startCliGateway({
        dir: join(dir, `this-${heap}`),
        config,
        clientKey: true,
        env: { [HEAP_VARIABLE]: heap },
      }),
    });
  for (const [i, root] of others.entries())
    gateways.push({
      name: basename(root),
      g: await startCliGateway({ dir: join(dir, `other-${i}`), root, config, clientKey: true }),
    });
  return { upstream, buffered, piped, gateways };
}

function targetsOf(s: Servers): Target[] {
  const shapes: BodyShape[] = ['openai', 'anthropic'];
  const out: Target[] = [];
  for (const [kind, server] of [
    ['buffered', s.buffered],
    ['piped', s.piped],
  ] as const)
    for (const shape of shapes)
      out.push({
        name: `${kind} ${shape}`,
        kind,
        client: shape,
        upstream: shape,
        pid: server.child.pid!,
        url: server.url,
      });
  for (const { name, g } of s.gateways)
    for (const [client, upstream] of [
      ['openai', 'openai'],
      ['anthropic', 'anthropic'],
      ['anthropic', 'openai'],
      ['openai', 'anthropic'],
    ] as const)
      out.push({
        name: `${name} ${client}→${upstream}`,
        kind: 'gateway',
        gateway: name,
        client,
        upstream,
        pid: g.child.pid!,
        url: g.url,
        ...(g.key !== undefined ? { key: g.key } : {}),
      });
  return out;
}

/** Slices of every target at every size, by size then target name. */
type Runs = Map<string, Slice[]>;
const runKey = (size: BodySize, t: Target): string => `${size.name}|${t.name}`;

async function slices(targets: Target[], warmups: number, count: number, seconds: number): Promise<Runs> {
  for (let round = 0; round < warmups; round++)
    for (const size of BODY_SIZES)
      for (const t of targets) await load(loadTarget(t, size), CONNECTIONS, seconds, amountOf(size, seconds));
  const runs: Runs = new Map();
  for (let round = 0; round < count; round++)
    for (const size of BODY_SIZES)
      for (const t of rotated(targets, round)) {
        // Not counted: a process's first requests after the others' slices read dearer (bench/README.md, "The
        // buffered proxy's two shapes"), and would be counted to whichever of its targets comes first in the round.
        await load(loadTarget(t, size), CONNECTIONS, seconds, Math.min(SETTLE_REQUESTS, amountOf(size, seconds)));
        const cpu0 = cpuMicrosOf(t.pid);
        const r = await load(loadTarget(t, size), CONNECTIONS, seconds, amountOf(size, seconds));
        const cpu = cpuMicrosOf(t.pid) - cpu0;
        const slice = { cpu, requests: r.requests, rps: r.rps, failed: r.non2xx + r.errors };
        runs.set(runKey(size, t), [...(runs.get(runKey(size, t)) ?? []), slice]);
      }
  return runs;
}

/** The targets in turn from the round's own first, as `bench:stream` turns its routes: no target always runs last in a
 * round, or right after the same neighbour. */
function rotated<T>(list: readonly T[], round: number): T[] {
  return list.map((_, i) => list[(i + round) % list.length]!);
}

/** Requests sent to a target, not counted, right before each of its slices (at most as many as the slice's). */
const SETTLE_REQUESTS = 4 * CONNECTIONS;

/** A slice is a number of requests, every one answered before the CPU is read (see load.ts). */
const amountOf = (size: BodySize, seconds: number): number =>
  Math.max(2 * CONNECTIONS, Math.round(size.requests * seconds));

const perRequest = (s: Slice): number => s.cpu / Math.max(1, s.requests);

/** A target's figures over the whole run: all its slices' CPU over all their requests, and all their requests over all
 * their time. A full collection lands in one slice of several, so a median of slices leaves it out; a total counts
 * it once, as the process paid for it. */
interface RunTotals {
  perRequest: number;
  rps: number;
}

function totalsOf(runs: Runs, size: BodySize, t: Target): RunTotals {
  let cpu = 0;
  let requests = 0;
  let seconds = 0;
  for (const x of runs.get(runKey(size, t))!) {
    cpu += x.cpu;
    requests += x.requests;
    seconds += x.requests / x.rps;
  }
  return { perRequest: cpu / Math.max(1, requests), rps: requests / seconds };
}

/** A target's figure over another's, each over the whole run. */
function runRatio(runs: Runs, size: BodySize, t: Target, base: Target, f: (x: RunTotals) => number): number {
  return f(totalsOf(runs, size, t)) / f(totalsOf(runs, size, base));
}

/** Per-slice ratios of a target's figure to another's, in the same slice: their spread says how far to trust the
 * run's. */
function ratios(runs: Runs, size: BodySize, t: Target, base: Target, f: (s: Slice) => number): number[] {
  const mine = runs.get(runKey(size, t))!;
  const theirs = runs.get(runKey(size, base))!;
  return mine.map((s, i) => f(s) / f(theirs[i]!));
}

function proxyOf(targets: Target[], kind: 'buffered' | 'piped', client: BodyShape): Target {
  return targets.find((t) => t.kind === kind && t.client === client)!;
}

function printTable(runs: Runs, targets: Target[]): void {
  console.log(
    "\nCPU per request from /proc over all the slices; × buffered: over the buffered proxy of the caller's shape, the run's totals (the per-slice ratios' spread); req/s as % of the piped proxy of that shape, the run's totals",
  );
  for (const size of BODY_SIZES) {
    const kb = (shape: BodyShape): number => Buffer.byteLength(agentBody(shape, size, 'bench-model')) / 1024;
    console.log(`\n${size.name} (openai ${kb('openai').toFixed(1)} KB, anthropic ${kb('anthropic').toFixed(1)} KB)`);
    console.log(
      `  ${'server'.padEnd(30)} ${'req/s'.padStart(7)} ${'µs/req'.padStart(8)} ${'µs/KB'.padStart(7)}  ${'× buffered'.padEnd(22)} % piped`,
    );
    for (const t of targets) {
      const s = runs.get(runKey(size, t))!;
      const { perRequest: us, rps } = totalsOf(runs, size, t);
      const buffered = proxyOf(targets, 'buffered', t.client);
      const over = runRatio(runs, size, t, buffered, (x) => x.perRequest);
      const slices = ratios(runs, size, t, buffered, perRequest);
      const share = runRatio(runs, size, t, proxyOf(targets, 'piped', t.client), (x) => x.rps);
      const failed = s.reduce((n, x) => n + x.failed, 0);
      console.log(
        `  ${t.name.padEnd(30)} ${rps.toFixed(0).padStart(7)} ${us.toFixed(0).padStart(8)} ${(size.bytes === 0 ? '—' : (us / kb(t.client)).toFixed(1)).padStart(7)}  ${`${over.toFixed(2)}× (${spread(slices)})`.padEnd(22)} ${(share * 100).toFixed(0).padStart(4)} %${failed > 0 ? `  ${failed} FAILED` : ''}`,
      );
    }
  }
}

function cpuTargets(runs: Runs, targets: Target[], gateway: string): string[] {
  const lines: string[] = [];
  const mine = targets.filter((t) => t.gateway === gateway);
  for (const t of mine.filter((x) => x.client === x.upstream))
    for (const size of BODY_SIZES) {
      const buffered = proxyOf(targets, 'buffered', t.client);
      const r = runRatio(runs, size, t, buffered, (x) => x.perRequest);
      const slices = ratios(runs, size, t, buffered, perRequest);
      lines.push(
        `same shape ${arrow(t)} at ${size.name}: CPU/request ${r.toFixed(2)}× buffered (≤ ${TARGET.sameShapeCpu}×) ${verdict(r <= TARGET.sameShapeCpu)}${spreadNote(slices, TARGET.sameShapeCpu)}`,
      );
    }
  for (const t of mine.filter((x) => x.client === x.upstream))
    for (const [size, min] of [
      [BODY_SIZES[0], TARGET.throughputFiveWords],
      [BODY_SIZES[2], TARGET.throughput200k],
    ] as const) {
      const r = runRatio(runs, size, t, proxyOf(targets, 'piped', t.client), (x) => x.rps);
      lines.push(
        `same shape ${arrow(t)} at ${size.name}: throughput ${(r * 100).toFixed(0)} % of piped (≥ ${min * 100} %) ${verdict(r >= min)}`,
      );
    }
  for (const t of mine.filter((x) => x.client !== x.upstream)) {
    const buffered = proxyOf(targets, 'buffered', t.client);
    const r = runRatio(runs, BODY_SIZES[2], t, buffered, (x) => x.perRequest);
    const slices = ratios(runs, BODY_SIZES[2], t, buffered, perRequest);
    lines.push(
      `across shapes ${arrow(t)} at 200 KB: CPU/request ${r.toFixed(2)}× buffered (≤ ${TARGET.crossShapeCpu}×) ${verdict(r <= TARGET.crossShapeCpu)}${spreadNote(slices, TARGET.crossShapeCpu)}`,
    );
  }
  return lines;
}

/** Streams at C=32: CPU per delivered chunk at five words and time to first byte at 200 KB, each gateway's same-shape
 * routes against the buffered proxy (which pipes the answer), over interleaved rounds. */
async function streams(targets: Target[], upstream: Served, rounds: number): Promise<Map<string, string[]>> {
  const pace = { chunks: 50, intervalMs: 20, firstMs: 50 };
  await setStreamPace(upstream.url, pace);
  const streamed = targets.filter((t) => t.kind !== 'piped' && t.client === t.upstream);
  const runs = new Map<string, { cpuPerChunk: number; p50: number }[]>();
  // A stream's own path (opening, ending, the ledger's row of a stream) runs cold for its first few hundred streams,
  // and V8 compiles it meanwhile; with one round the rounds counted charged that to every chunk (bench/README.md,
  // "Streams' warm-up").
  const warm = Number(process.env['BENCH_STREAM_WARM'] ?? 6);
  for (let round = 1 - warm; round <= rounds; round++)
    for (const bytes of [0, BODY_SIZES[2].bytes])
      for (const t of rotated(streamed, round + warm)) {
        const cpu0 = cpuMicrosOf(t.pid);
        const job = shapedStreamJob(t.client, t, modelFor(t), { streams: CONNECTIONS, rampMs: 100, agentBytes: bytes });
        const r = await spawnStreams({ ...job, timeoutMs: 30_000 });
        // The rounds up to 0 warm up.
        if (round <= 0) continue;
        const cpuPerChunk = (cpuMicrosOf(t.pid) - cpu0) / Math.max(1, r.completed * pace.chunks);
        const k = `${bytes}|${t.name}`;
        runs.set(k, [...(runs.get(k) ?? []), { cpuPerChunk, p50: percentile(r.ttfts, 50) }]);
      }
  const out = new Map<string, string[]>();
  console.log(
    `\nstreams at C=${CONNECTIONS} (${pace.chunks} chunks, ${pace.intervalMs} ms apart), median of ${rounds} rounds:`,
  );
  for (const t of streamed) {
    const at = (bytes: number) => runs.get(`${bytes}|${t.name}`)!;
    const base = (bytes: number) => runs.get(`${bytes}|${proxyOf(targets, 'buffered', t.client).name}`)!;
    console.log(
      `  ${t.name.padEnd(30)} CPU/chunk ${median(at(0).map((x) => x.cpuPerChunk)).toFixed(1)} µs (5 words)  TTFB p50 ${median(at(0).map((x) => x.p50)).toFixed(2)} ms (5 words), ${median(at(BODY_SIZES[2].bytes).map((x) => x.p50)).toFixed(2)} ms (200 KB)`,
    );
    if (t.gateway === undefined) continue;
    const perRound = at(0).map((x, i) => x.cpuPerChunk / base(0)[i]!.cpuPerChunk);
    const cpu = median(perRound);
    const added = median(at(BODY_SIZES[2].bytes).map((x, i) => x.p50 - base(BODY_SIZES[2].bytes)[i]!.p50));
    out.set(t.gateway, [
      ...(out.get(t.gateway) ?? []),
      `streams ${arrow(t)}: CPU/chunk ${cpu.toFixed(2)}× buffered (≤ ${TARGET.streamCpu}×) ${verdict(cpu <= TARGET.streamCpu)}${spreadNote(perRound, TARGET.streamCpu, 'rounds')}`,
      `streams ${arrow(t)} at 200 KB: added TTFB p50 ${added.toFixed(2)} ms (≤ ${TARGET.addedTtfbMs} ms) ${verdict(added <= TARGET.addedTtfbMs)}`,
    ]);
  }
  return out;
}

/** The idle RSS of this clone's gateway as `npm pack` ships it (built to JavaScript, run from dist/), read after the
 * same settling time as the others': what a user's gateway holds. The others run from their sources. */
async function idleAsInstalled(dir: string, upstreamUrl: string): Promise<number> {
  const root = installedCopy(join(dir, 'installed'));
  const g = await startCliGateway({
    dir: join(dir, 'installed-gateway'),
    root,
    config: benchGatewayConfig(upstreamUrl),
    clientKey: true,
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    return rssOf(g.child.pid!);
  } finally {
    await stopCliGateway(g);
  }
}

/** How long the servers are left before their idle RSS is read. */
const IDLE_SETTLE_MS = 1500;

/** RSS after a sustained c32 load of 200 KB bodies (openai→openai), against the gateway's idle RSS at start. The load
 * runs as numbers of requests, each a few seconds' worth at the rate of the one before, until `seconds` have passed:
 * every request is answered before RSS is read. A timed load hangs up on the requests in flight at its end, whose
 * estimates load the token count worker (~25 MiB, withCountWorker) while RSS is read, or not, by chance. */
async function sustained(t: Target, idle: number, seconds: number): Promise<string> {
  const target = loadTarget(t, BODY_SIZES[2]);
  let elapsed = 0;
  let requests = 0;
  let amount: number = BODY_SIZES[2].requests;
  while (elapsed < seconds) {
    const r = await load(target, CONNECTIONS, seconds, amount);
    elapsed += r.seconds;
    requests += r.requests;
    amount = Math.max(2 * CONNECTIONS, Math.round(r.rps * Math.min(SUSTAIN_CHUNK_SECONDS, seconds - elapsed)));
  }
  const after = rssOf(t.pid);
  const ratio = after / idle;
  return `RSS after ${elapsed.toFixed(0)} s of c32 load at 200 KB (${requests} requests, each answered): ${mib(after)} / ${mib(idle)} MiB idle = ${ratio.toFixed(2)}× (≤ ${TARGET.rssSustained}×) ${verdict(ratio <= TARGET.rssSustained)} (${partsText(memoryParts(t.pid))})`;
}

/** RSS once the gateway has made estimates and so loaded the token count worker, against idle, without a target: what
 * a gateway whose callers hang up holds after the same load. One second of timed load hangs up on the requests in
 * flight at its end; RSS is read once it has not grown for WORKER_SETTLE_MS (the worker loads its tables, then collects
 * once), or after WORKER_WAIT_MS. */
async function withCountWorker(t: Target, idle: number): Promise<string> {
  const threads = threadsOf(t.pid);
  await load(loadTarget(t, BODY_SIZES[2]), CONNECTIONS, 1);
  const end = Date.now() + WORKER_WAIT_MS;
  let last = rssOf(t.pid);
  let steadySince = Date.now();
  const started = (): boolean => threadsOf(t.pid) > threads;
  while (Date.now() < end && (!started() || Date.now() - steadySince < WORKER_SETTLE_MS)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = rssOf(t.pid);
    if (now > last) steadySince = Date.now();
    last = now;
  }
  const ratio = last / idle;
  if (!started()) return `RSS after that and 1 s more, timed: no count worker started (${mib(last)} MiB)`;
  return `RSS after that and 1 s more, timed (its hang-ups' estimates load the token count worker): ${mib(last)} / ${mib(idle)} MiB idle = ${ratio.toFixed(2)}× (no target) (${partsText(memoryParts(t.pid))})`;
}

/** How many threads a process runs: the count worker is one more. */
const threadsOf = (pid: number): number => readdirSync(`/proc/${pid}/task`).length;

const WORKER_SETTLE_MS = 2000;
const WORKER_WAIT_MS = 15_000;

/** How long each part of the sustained load runs, about. */
const SUSTAIN_CHUNK_SECONDS = 5;

export async function sweep(options: SweepOptions): Promise<void> {
  const quick = options.quick;
  const seconds = Number(process.env['BENCH_SLICE_SECONDS'] ?? 1);
  const count = Number(process.env['BENCH_SLICES'] ?? (quick ? 3 : 8));
  const warmups = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? (quick ? 1 : 3));
  // Seven: three rounds of streams read one tree's openai→openai at 1.30–1.59× the proxy a chunk from run to run, seven
  // at 1.33× and 1.34× (bench/README.md, "A fresh gateway's streams, round by round").
  const streamRounds = Number(process.env['BENCH_STREAM_ROUNDS'] ?? (quick ? 2 : 7));
  const sustainSeconds = Number(process.env['BENCH_SUSTAIN_SECONDS'] ?? (quick ? 20 : 60));
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-sweep-'));
  const servers = await startServers(dir, options.others);
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const idleProxy = rssOf(servers.buffered.child.pid!);
    const idle = new Map(servers.gateways.map(({ name, g }) => [name, rssOf(g.child.pid!)]));
    const installedIdle = await idleAsInstalled(dir, servers.upstream.url);
    const targets = targetsOf(servers);
    console.log(
      `body-size sweep${quick ? ' (--quick)' : ''}: ${targets.length} targets × ${BODY_SIZES.length} sizes, ${warmups} warm-up + ${count} slices (each ~${seconds} s of a gateway's requests, all answered) at c${CONNECTIONS}; load average ${loadAverage().join(' ')}`,
    );
    const onlyStreams = process.env['BENCH_SWEEP_ONLY'] === 'streams';
    const runs: Runs = onlyStreams ? new Map() : await slices(targets, warmups, count, seconds);
    if (!onlyStreams) printTable(runs, targets);
    const streamed = await streams(targets, servers.upstream, streamRounds);
    console.log('\nTargets (issue 53):');
    for (const { name, g } of servers.gateways) {
      const oa = targets.find((t) => t.gateway === name && t.client === 'openai' && t.upstream === 'openai')!;
      const idleRatio = idle.get(name)! / idleProxy;
      const lines = [
        ...(onlyStreams ? [] : cpuTargets(runs, targets, name)),
        ...(streamed.get(name) ?? []),
        `idle RSS from sources ${mib(idle.get(name)!)} / buffered proxy ${mib(idleProxy)} MiB = ${idleRatio.toFixed(2)}×${name === 'this' ? ' (TypeScript stripped as it loads)' : ` (≤ ${TARGET.rssIdle}×) ${verdict(idleRatio <= TARGET.rssIdle)}`}`,
      ];
      if (name === 'this') {
        const ratio = installedIdle / idleProxy;
        lines.push(
          `idle RSS as installed ${mib(installedIdle)} / buffered proxy ${mib(idleProxy)} MiB = ${ratio.toFixed(2)}× (≤ ${TARGET.rssIdle}×) ${verdict(ratio <= TARGET.rssIdle)}`,
        );
      }
      if (sustainSeconds > 0 && g.child.pid !== undefined)
        lines.push(await sustained(oa, idle.get(name)!, sustainSeconds), await withCountWorker(oa, idle.get(name)!));
      console.log(`  ${name}:`);
      for (const l of lines) console.log(`    ${l}`);
    }
    console.log(`load average at the end: ${loadAverage().join(' ')}`);
  } finally {
    await Promise.all([
      ...servers.gateways.map(({ g }) => stopCliGateway(g)),
      stop(servers.buffered),
      stop(servers.piped),
      stop(servers.upstream),
    ]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The machine's load: figures from a shared machine are read beside it. */
function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 10) / 10);
}
