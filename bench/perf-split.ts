// `node bench/perf-split.ts [KB…]` (default `0 20`; 0 is five words): where the gateway's CPU per request goes that the
// buffered proxy's does not, part by part (perf-samples.ts). Both served as the sweep serves them (size-sweep.ts:
// `switchyard gateway` from this clone with a client key and its ledger, the proxy with the gateway's allocator
// settings), both with `--perf-basic-prof`, in front of one fake upstream. Per size, `BENCH_ROUNDS` (3) interleaved
// rounds after `BENCH_WARMUP_ROUNDS` (2, or more to make `BENCH_WARMUP_REQUESTS`, 32,000) of `BENCH_AMOUNT` (8)
// slices' worth of the sweep's requests at c32, each round of each server under `perf record -g`; same shape,
// `BENCH_SHAPE` (openai, or anthropic). Prints µs per request by part on the main thread, the gateway beside the
// proxy, largest difference first; the other threads; and /proc's CPU per request over the same requests, which
// perf's should be close to. `BENCH_PART=<part>` also lists both servers' samples in that part function by function
// (a name ending in `*`, every part whose name starts so: `src/*`), with the nearest function of ours that called each,
// `BENCH_PART_LINES` (30) of them;
// `leaf:<part>` by their innermost native frames, `thread:<name>` (V8Worker) a thread's by job, `runtime` the calls
// into V8's runtime and its megamorphic caches (perf-samples.ts, detailKey), `inclusive` every function of ours with
// what it called synchronously (a feature's share: the ledger's flush, the log line, the guard). `BENCH_GATEWAY_FLAGS` gives the gateway
// more node flags, `SWITCHYARD_GATEWAY_HEAP` its heap sizing. Run it alone on the machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ENV, HEAP_VARIABLE } from '../src/gateway/server/process-memory.ts';
import { BODY_SIZES, type BodyShape, type BodySize } from './agent-body.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway } from './cli-gateway.ts';
import { load } from './load.ts';
import { perfMissing, recordSamples, SAMPLE_HZ, type SampleSplit } from './perf-samples.ts';
import { cpuMicrosOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';
import { loadTarget, type Target } from './size-sweep.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const WARMUPS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? 2);
/** The fewest requests each server is warmed up with at a size, whatever WARMUPS says: V8's helper threads kept
 * compiling the gateway's path with TurboFan for its first ~30,000 requests at 20 KB, and two rounds (9,600) left
 * ~35–60 µs a request of it in the measured rounds' other threads (bench/README.md, "Helper threads after warm-up"). */
const WARMUP_REQUESTS = Number(process.env['BENCH_WARMUP_REQUESTS'] ?? 32_000);
const AMOUNT = Number(process.env['BENCH_AMOUNT'] ?? 8);
const SHAPE: BodyShape = process.env['BENCH_SHAPE'] === 'anthropic' ? 'anthropic' : 'openai';
const CONNECTIONS = 32;
/** perf names JavaScript frames from the map these write (/tmp/perf-PID.map), interpreted ones included. */
const PERF_FLAGS = ['--perf-basic-prof', '--interpreted-frames-native-stack'];
/** Parts under this many µs a request in both servers are summed into one line. */
const SHOWN_FROM_US = 0.5;
/** Node flags the gateway alone starts with besides PERF_FLAGS (space-separated), and its heap sizing. */
const GATEWAY_FLAGS = (process.env['BENCH_GATEWAY_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
const HEAP = process.env[HEAP_VARIABLE];
/** The listing asked for besides the parts, in both servers: a part function by function, or one of the other forms
 * perf-samples.ts's detailKey reads (`leaf:…`, `thread:…`, `runtime`). */
const PART = process.env['BENCH_PART'];
/** How many of its lines are printed (BENCH_PART_LINES). */
const PART_LINES = Number(process.env['BENCH_PART_LINES'] ?? 30);

/** One server's samples and CPU over the measured rounds at one size. */
interface Tally extends SampleSplit {
  requests: number;
  cpuMicros: number;
}

const SPLIT_KEYS = ['main', 'threads', 'detail'] as const;

function sizesOf(args: readonly string[]): BodySize[] {
  const asked = args.length > 0 ? args.map(Number) : [0, 20];
  return asked.map((kb) => {
    const size = BODY_SIZES.find((s) => s.bytes === kb * 1024);
    if (size === undefined)
      throw new Error(`no sweep size of ${kb} KB: use ${BODY_SIZES.map((s) => s.bytes / 1024).join(', ')}`);
    return size;
  });
}

function addAll(into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function sum(counts: Map<string, number>): number {
  let n = 0;
  for (const v of counts.values()) n += v;
  return n;
}

/** Samples of a round as µs a request. */
const perRequest = (samples: number, t: Tally): number => ((samples / SAMPLE_HZ) * 1e6) / t.requests;

async function round(t: Target, size: BodySize, tally: Tally | undefined): Promise<void> {
  const amount = size.requests * AMOUNT;
  const stopRecording = tally === undefined ? undefined : await recordSamples(t.pid, PART);
  const before = cpuMicrosOf(t.pid);
  const r = await load(loadTarget(t, size), CONNECTIONS, 1, amount);
  const cpu = cpuMicrosOf(t.pid) - before;
  const split = await stopRecording?.();
  if (r.non2xx + r.errors > 0) throw new Error(`${t.name} at ${size.name}: ${r.non2xx + r.errors} requests failed`);
  if (tally === undefined || split === undefined) return;
  for (const key of SPLIT_KEYS) addAll(tally[key], split[key]);
  tally.requests += r.requests;
  tally.cpuMicros += cpu;
}

const num = (x: number): string => x.toFixed(1).padStart(8);

function printSize(size: BodySize, proxy: Tally, gateway: Tally): void {
  console.log(
    `\n${size.name}, ${SHAPE}→${SHAPE}: ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${size.requests * AMOUNT} requests at c${CONNECTIONS} each; µs per request on the main thread (perf, ${SAMPLE_HZ} Hz)`,
  );
  console.log(`  ${'part'.padEnd(34)}${'proxy'.padStart(8)}${'gateway'.padStart(8)}${'added'.padStart(8)}`);
  const parts = new Set([...proxy.main.keys(), ...gateway.main.keys()]);
  const rows = [...parts]
    .map((part) => {
      const p = perRequest(proxy.main.get(part) ?? 0, proxy);
      const g = perRequest(gateway.main.get(part) ?? 0, gateway);
      return { part, p, g };
    })
    .sort((a, b) => b.g - b.p - (a.g - a.p));
  const rest = { p: 0, g: 0, n: 0 };
  for (const row of rows) {
    if (Math.max(row.p, row.g) < SHOWN_FROM_US) {
      rest.p += row.p;
      rest.g += row.g;
      rest.n += 1;
      continue;
    }
    console.log(`  ${row.part.padEnd(34)}${num(row.p)}${num(row.g)}${num(row.g - row.p)}`);
  }
  if (rest.n > 0)
    console.log(`  ${`${rest.n} smaller parts`.padEnd(34)}${num(rest.p)}${num(rest.g)}${num(rest.g - rest.p)}`);
  const mp = perRequest(sum(proxy.main), proxy);
  const mg = perRequest(sum(gateway.main), gateway);
  console.log(`  ${'main thread'.padEnd(34)}${num(mp)}${num(mg)}${num(mg - mp)}  (${(mg / mp).toFixed(2)}×)`);
  const tp = perRequest(sum(proxy.threads), proxy);
  const tg = perRequest(sum(gateway.threads), gateway);
  const named = [...gateway.threads]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${perRequest(n, gateway).toFixed(1)}`)
    .join(', ');
  console.log(`  ${'other threads'.padEnd(34)}${num(tp)}${num(tg)}${num(tg - tp)}  (gateway: ${named || 'none'})`);
  const cp = proxy.cpuMicros / proxy.requests;
  const cg = gateway.cpuMicros / gateway.requests;
  console.log(
    `  ${'CPU from /proc, all threads'.padEnd(34)}${num(cp)}${num(cg)}${num(cg - cp)}  (${(cg / cp).toFixed(2)}×)`,
  );
  if (PART !== undefined) {
    printPart(PART, 'gateway', gateway);
    printPart(PART, 'buffered proxy', proxy);
  }
}

function printPart(part: string, server: string, tally: Tally): void {
  const by = /^(leaf|thread):|^runtime$/.test(part)
    ? 'by where V8 spent it'
    : 'by function (← the nearest of ours that called it)';
  console.log(`  the ${server}'s ${part}, µs per request, ${by}:`);
  const rows = [...tally.detail].sort((a, b) => b[1] - a[1]).slice(0, PART_LINES);
  for (const [where, n] of rows) console.log(`  ${num(perRequest(n, tally))}  ${where}`);
}

async function main(): Promise<void> {
  const missing = await perfMissing();
  if (missing !== undefined) {
    console.log(`perf-split: nothing measured: ${missing}`);
    return;
  }
  const sizes = sizesOf(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-perf-split-'));
  const upstream = await serve(['upstream']);
  const proxy = await serve(['proxy', upstream.url], PERF_FLAGS, { ...GATEWAY_ENV });
  const gateway = await startCliGateway({
    dir: join(dir, 'gateway'),
    config: benchGatewayConfig(upstream.url),
    clientKey: true,
    nodeFlags: [...PERF_FLAGS, ...GATEWAY_FLAGS],
    ...(HEAP !== undefined ? { env: { [HEAP_VARIABLE]: HEAP } } : {}),
  });
  const targets: Target[] = [
    { name: 'buffered', kind: 'buffered', client: SHAPE, upstream: SHAPE, pid: proxy.child.pid!, url: proxy.url },
    {
      name: 'this',
      kind: 'gateway',
      client: SHAPE,
      upstream: SHAPE,
      pid: gateway.child.pid!,
      url: gateway.url,
      ...(gateway.key !== undefined ? { key: gateway.key } : {}),
    },
  ];
  try {
    for (const size of sizes) {
      const tallies = targets.map((): Tally => ({
        main: new Map(),
        threads: new Map(),
        detail: new Map(),
        requests: 0,
        cpuMicros: 0,
      }));
      const warmups = Math.max(WARMUPS, Math.ceil(WARMUP_REQUESTS / (size.requests * AMOUNT)));
      for (let r = 0; r < warmups + ROUNDS; r++) {
        // Each goes first in turn, so neither always follows the other's load.
        const order = r % 2 === 0 ? [0, 1] : [1, 0];
        for (const i of order) await round(targets[i]!, size, r < warmups ? undefined : tallies[i]);
      }
      printSize(size, tallies[0]!, tallies[1]!);
    }
  } finally {
    await stopCliGateway(gateway);
    await stop(proxy);
    await stop(upstream);
    rmSync(dir, { recursive: true, force: true });
    // What --perf-basic-prof wrote for each server; perf has read them.
    for (const pid of targets.map((t) => t.pid)) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

await main();
