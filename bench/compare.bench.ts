// `node bench/compare.bench.ts DIR…`: this checkout's gateway against the gateways of other checkouts (an older
// commit in a git worktree, with its own node_modules), with the bare proxy (buffered) and the floor (bench/floor.ts:
// fastify, the router and translation, none of the gateway's own per-request features) beside them, in interleaved
// slices at 32 connections in front of one fake upstream. Every gateway keeps its usage ledger (SQLite), its line per
// request and its metrics. The per-feature cost: this gateway again with each reader of the request records
// (src/gateway/records/record-readers.ts) switched off in turn (`BENCH_FEATURES=0` leaves those out). On a shared machine two
// separate runs drift more than a change is worth; here every server sees the same machine, CPU is each server's own
// (process.cpuUsage, what /proc counts), and the spread over slices says how far to trust it.
// `--sweep [--quick]`: the body-size sweep instead (bench/size-sweep.ts, issue 53), with the same DIR… as befores.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { median, combine, load, type LoadResult, type LoadTarget } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';
import { DEFAULT_HEAP } from '../src/gateway/server/process-memory.ts';
import { startFlags } from './gateway-process.ts';
import { sweep } from './size-sweep.ts';

// Slices of a second each: a gateway idle for 30 s gives its heap back (gateway/server/idle-trim.ts) and its next slice pays
// for growing it again, so each must come round again sooner than that (up to ten servers).
const SLICE_SECONDS = Number(process.env['BENCH_SLICE_SECONDS'] ?? 1);
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 12));
const WARMUP_ROUNDS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? 8);
const IDLE_TRIM_SECONDS = 10;
const FEATURES = process.env['BENCH_FEATURES'] !== '0';
const CONNECTIONS = 32;
const FLAG_ROWS = (process.env['BENCH_FLAG_ROWS'] ?? '')
  .split(';')
  .map((set) => set.split(' ').filter((f) => f !== ''))
  .filter((set) => set.length > 0);

/** A non-streamed request's CPU over the buffered proxy's, every reader on: SPEC §9, and issue 42's step to it. */
const MAX_OVER_PROXY = { spec: 1.6, issue42: 2.0 };
/** SPEC §9: the HTTP stack alone (the floor) over the buffered proxy. */
const MAX_FLOOR_OVER_PROXY = 1.3;
/** Shares of the gateway's CPU per request: the ledger, metrics and log together (issue 42); the ledger (SPEC §9
 * bounds the ledger and budgets together; bench/budgets.bench.ts measures the budgets). */
const MAX_SHARE: Record<string, { share: number; by: string }> = {
  'ledger+metrics+log': { share: 0.25, by: 'issue 42' },
  ledger: { share: 0.1, by: 'SPEC §9, with budgets' },
};

/** This gateway with readers off: the row's name, and what `off=` says to bench/serve-switchyard.ts. */
const FEATURE_RUNS: { name: string; off: string }[] = [
  { name: 'log', off: 'log' },
  { name: 'metrics', off: 'metrics' },
  { name: 'ledger', off: 'ledger' },
  { name: 'dashboard', off: 'dashboard' },
  { name: 'ledger+metrics+log', off: 'ledger,metrics,log' },
];

interface Tally {
  t: LoadTarget & { server: Served };
  runs: LoadResult[];
  /** CPU µs per request, slice by slice. */
  perSlice: number[];
  cpu: number;
}

function spread(values: readonly number[], digits = 2): string {
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}

function perRequest(t: Tally): number {
  return t.cpu / Math.max(1, combine(t.runs).requests);
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL';
}

/** A gateway with its ledger in a directory of its own (two on one SQLite file would contend). */
async function gateway(
  dir: string,
  name: string,
  upstream: string,
  extra: string[],
  checkout?: string,
  nodeArgs: readonly string[] = [],
): Promise<Served> {
  const own = join(dir, name);
  mkdirSync(own);
  return serve(['gateway-ledger', upstream, join(own, 'gateway.log'), ...extra], [...nodeArgs], {}, checkout);
}

async function main(): Promise<void> {
  const others = checkouts();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-compare-'));
  const upstream = await serve(['upstream']);
  const proxy = await serve(['proxy', upstream.url]);
  const floor = await serve(['floor', upstream.url]);
  const gateways: { name: string; server: Served }[] = [
    // With the V8 flags `switchyard gateway` starts with, as the other rows of this clone.
    { name: 'this', server: await gateway(dir, 'this', upstream.url, [], undefined, startFlags(DEFAULT_HEAP)) },
    // SWITCHYARD_GATEWAY_HEAP=v8: V8's own heap sizes, against which the default's smaller heap costs its CPU
    // (docs/performance.md#rss-under-a-sustained-load).
    { name: 'this,v8', server: await gateway(dir, 'this-v8', upstream.url, [], undefined, startFlags('v8')) },
  ];
  // BENCH_FLAG_ROWS="--a=1;--b=2 --c": this gateway again with each ';'-separated set of node flags instead of its own.
  for (const [i, set] of FLAG_ROWS.entries())
    gateways.push({
      name: `this,${set.join(' ')}`,
      server: await gateway(dir, `this-flags-${i}`, upstream.url, [], undefined, set),
    });
  if (FEATURES)
    for (const f of FEATURE_RUNS)
      gateways.push({
        name: `-${f.name}`,
        server: await gateway(
          dir,
          `off-${f.name}`,
          upstream.url,
          [`off=${f.off}`],
          undefined,
          startFlags(DEFAULT_HEAP),
        ),
      });
  for (const [i, other] of others.entries())
    gateways.push({ name: basename(other), server: await gateway(dir, `other-${i}`, upstream.url, [], other) });
  const auth = (s: Served) => ({ authorization: `Bearer ${s.key ?? ''}` });
  const targets: (LoadTarget & { server: Served })[] = [
    { name: 'proxy', url: proxy.url, headers: {}, server: proxy },
    { name: 'floor', url: floor.url, headers: {}, server: floor },
    ...gateways.map((g) => ({ name: g.name, url: g.server.url, headers: auth(g.server), server: g.server })),
  ];
  try {
    if ((targets.length - 1) * SLICE_SECONDS >= IDLE_TRIM_SECONDS)
      console.log('WARNING: each gateway waits 10 s or more between its slices: it trims its heap, and pays for it');
    // Warmed in the same turns (the JIT keeps improving for ~50k requests).
    for (let round = 0; round < WARMUP_ROUNDS; round++)
      for (const t of targets) await load(t, CONNECTIONS, SLICE_SECONDS);
    const tallies: Tally[] = targets.map((t) => ({ t, runs: [], perSlice: [], cpu: 0 }));
    for (let slice = 0; slice < SLICES; slice++)
      for (const tally of tallies) {
        const before = (await tally.t.server.usage()).cpuMicros;
        const run = await load(tally.t, CONNECTIONS, SLICE_SECONDS);
        const cpu = (await tally.t.server.usage()).cpuMicros - before;
        tally.runs.push(run);
        tally.perSlice.push(cpu / Math.max(1, run.requests));
        tally.cpu += cpu;
      }
    report(tallies);
  } finally {
    await Promise.all([...gateways.map((g) => stop(g.server)), stop(floor), stop(proxy), stop(upstream)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(tallies: Tally[]): void {
  const byName = (name: string): Tally | undefined => tallies.find((t) => t.t.name === name);
  const proxy = byName('proxy')!;
  const floorUs = perRequest(proxy);
  let invalid = false;
  for (const tally of tallies) {
    const r = combine(tally.runs);
    const us = perRequest(tally);
    const ratios = tally.perSlice.map((v, i) => v / proxy.perSlice[i]!);
    console.log(
      `${tally.t.name.padEnd(20)} ${r.rps.toFixed(0).padStart(6)} req/s  ${us.toFixed(1).padStart(6)} µs CPU/req  ${(us / floorUs).toFixed(2)}× proxy (slices ${spread(ratios)}, median ${median(tally.perSlice).toFixed(1)} µs)  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`,
    );
    if (r.non2xx + r.errors > 0) invalid = true;
  }
  if (invalid) console.log('WARNING: errors answered; the figures are not valid');
  const all = byName('this')!;
  // Slice i of each server ran one after the other, so the ratio within a slice sees the least drift of the machine.
  // The flag rows and the other checkouts (a change's before): each slice's ratio to this gateway's same slice.
  const flagRows = tallies.filter((t) => !['proxy', 'floor', 'this'].includes(t.t.name) && !t.t.name.startsWith('-'));
  if (flagRows.length > 0) console.log("\nCPU per request against this, the median of the slices' ratios:");
  for (const row of flagRows) {
    const ratios = row.perSlice.map((v, i) => v / all.perSlice[i]!);
    console.log(`  ${row.t.name.padEnd(36)} ${median(ratios).toFixed(2)}×  (slices ${spread(ratios)})`);
  }
  const allUs = perRequest(all);
  console.log('');
  const over = allUs / floorUs;
  console.log(
    `CPU per request, every reader on / buffered proxy: ${over.toFixed(2)}×  (issue 42 ≤ ${MAX_OVER_PROXY.issue42.toFixed(1)}×) ${verdict(over <= MAX_OVER_PROXY.issue42)}  (SPEC §9 ≤ ${MAX_OVER_PROXY.spec.toFixed(1)}×) ${verdict(over <= MAX_OVER_PROXY.spec)}`,
  );
  const floor = byName('floor')!;
  const floorOver = perRequest(floor) / floorUs;
  console.log(
    `the floor (HTTP stack + router + translation) / buffered proxy: ${floorOver.toFixed(2)}×  (SPEC §9 ≤ ${MAX_FLOOR_OVER_PROXY}×) ${verdict(floorOver <= MAX_FLOOR_OVER_PROXY)}; the gateway's own features add ${(allUs - perRequest(floor)).toFixed(1)} µs`,
  );
  if (!FEATURES) return;
  console.log('\nper-feature cost (this gateway, every reader on, less the same with the reader off):');
  for (const f of FEATURE_RUNS) {
    const off = byName(`-${f.name}`)!;
    const cost = allUs - perRequest(off);
    const slices = all.perSlice.map((v, i) => v - off.perSlice[i]!);
    const share = cost / allUs;
    const max = MAX_SHARE[f.name];
    const target = max === undefined ? '' : `  (${max.by} ≤ ${max.share * 100}%) ${verdict(share <= max.share)}`;
    console.log(
      `  ${f.name.padEnd(20)} ${cost.toFixed(1).padStart(6)} µs/req  ${(share * 100).toFixed(1).padStart(5)}% of the gateway's CPU (slices ${spread(slices, 1)} µs)${target}`,
    );
  }
}

/** The checkouts named on the command line (what is not a `--` flag). */
function checkouts(): string[] {
  return process.argv
    .slice(2)
    .filter((a) => !a.startsWith('--'))
    .map((d) => resolve(d));
}

if (process.argv.includes('--sweep')) await sweep({ quick: process.argv.includes('--quick'), others: checkouts() });
else await main();
