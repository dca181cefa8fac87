// `npm run bench`: the gateway against a bare node:http + undici proxy, both in front of the same fixed fake
// upstream, measured in one run (docs/performance.md#requests). Each server runs in its own process; the load generator is this one.
// Targets: median latency added at 1 connection ≤ 1.3× the bare proxy's; throughput at 32 connections ≥ 80% of its.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combine, load, type LoadResult, type LoadTarget } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';
import { gatewayProcess } from './gateway-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
// Slices taken in turn (direct, proxy, [floor,] gateway, …): this VM's speed drifts ±20%, and interleaving lets every
// server see the same machine.
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 4));
// Warm-up at 32 connections: the gateway's CPU per request keeps falling for ~50k requests (JIT), so a short one
// measures start-up, not the steady state.
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);

function row(r: LoadResult): string {
  return `${r.name.padEnd(9)} c=${String(r.connections).padEnd(3)} median ${r.medianMs.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  ${r.rps.toFixed(0).padStart(6)} req/s  ${(r.cpuMicrosPerRequest ?? 0).toFixed(0).padStart(4)} µs CPU/req (client ${(r.clientCpuMicrosPerRequest ?? 0).toFixed(0)})  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`;
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const upstream = await serve(['upstream']);
  const proxy = await serve(['proxy', upstream.url]);
  // Opt-in (`BENCH_FLOOR=1`): a fourth server in the rotation may change what the machine gives the others, and the
  // default run is the one docs/performance.md#requests is judged by.
  const floor = process.env['BENCH_FLOOR'] === '1' ? await serve(['floor', upstream.url]) : undefined;
  // With the V8 flags `switchyard gateway` starts with (BENCH_NODE_FLAGS=--allocation-site-pretenuring: V8's default).
  const gateway = await serve(['gateway', upstream.url, join(logDir, 'gateway.log')], gatewayProcess('BENCH').flags);
  const targets: (LoadTarget & { server: Served })[] = [
    { name: 'direct', url: upstream.url, headers: {}, server: upstream },
    { name: 'proxy', url: proxy.url, headers: {}, server: proxy },
    ...(floor ? [{ name: 'floor', url: floor.url, headers: {}, server: floor }] : []),
    { name: 'gateway', url: gateway.url, headers: { authorization: `Bearer ${gateway.key ?? ''}` }, server: gateway },
  ];
  try {
    for (const t of targets) await load(t, 32, WARMUP_SECONDS);
    const results: Record<string, LoadResult> = {};
    for (const connections of [1, 32]) {
      const tallies = targets.map((t) => ({ t, runs: [] as LoadResult[], cpu: 0, clientCpu: 0 }));
      for (let slice = 0; slice < SLICES; slice++) {
        for (const tally of tallies) {
          const before = (await tally.t.server.usage()).cpuMicros;
          const clientBefore = process.cpuUsage();
          tally.runs.push(await load(tally.t, connections, SECONDS / SLICES));
          const client = process.cpuUsage(clientBefore);
          tally.cpu += (await tally.t.server.usage()).cpuMicros - before;
          tally.clientCpu += client.user + client.system;
        }
      }
      for (const { t, runs, cpu, clientCpu } of tallies) {
        const r = combine(runs);
        r.cpuMicrosPerRequest = cpu / Math.max(1, r.requests);
        // The load generator shares the 2 cores with the servers: show what it costs, so a run where it (or the
        // upstream) is the bottleneck can be told apart from one where the server under test is.
        r.clientCpuMicrosPerRequest = clientCpu / Math.max(1, r.requests);
        results[`${t.name}@${connections}`] = r;
        console.log(row(r));
      }
    }
    report(results);
  } finally {
    await Promise.all([stop(gateway), ...(floor ? [stop(floor)] : []), stop(proxy), stop(upstream)]);
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** The ratio slice by slice (each pair taken back to back), so a reader can see how much the machine moved. */
function sliceSpread(proxy: LoadResult, gateway: LoadResult): string {
  const ratios = (gateway.slices ?? []).map((g, i) => g.rps / (proxy.slices?.[i]?.rps ?? NaN)).filter(Number.isFinite);
  if (ratios.length < 2) return '';
  return `(slices: ${(Math.min(...ratios) * 100).toFixed(0)}–${(Math.max(...ratios) * 100).toFixed(0)}%)`;
}

function report(results: Record<string, LoadResult>): void {
  const get = (k: string): LoadResult => {
    const r = results[k];
    if (!r) throw new Error(`missing result ${k}`);
    return r;
  };
  const [d1, p1, g1, p32, g32] = [
    get('direct@1'),
    get('proxy@1'),
    get('gateway@1'),
    get('proxy@32'),
    get('gateway@32'),
  ];
  const f32 = results['floor@32'];
  if (g1.non2xx + g32.non2xx + g1.errors + g32.errors > 0)
    console.log('WARNING: the gateway answered some requests with errors; the figures are not valid');
  const medianRatio = g1.medianMs / p1.medianMs;
  const p99Ratio = g1.p99Ms / p1.p99Ms;
  const addedRatio = (g1.medianMs - d1.medianMs) / (p1.medianMs - d1.medianMs);
  const throughputRatio = g32.rps / p32.rps;
  console.log('');
  // docs/performance.md#requests bounds the *added* median latency: what each server adds over calling the upstream directly. The
  // ratio of total medians includes the upstream's own time on both sides and so flatters the slower server.
  console.log(
    `median latency added over the upstream @1, gateway / proxy: ${(g1.medianMs - d1.medianMs).toFixed(3)} ms / ${(p1.medianMs - d1.medianMs).toFixed(3)} ms = ${addedRatio.toFixed(2)}×  (target ≤ 1.30×) ${addedRatio <= 1.3 ? 'PASS' : 'FAIL'}`,
  );
  console.log(`median latency @1 connection (total), gateway / proxy: ${medianRatio.toFixed(2)}×`);
  console.log(`p99 latency    @1 connection, gateway / proxy: ${p99Ratio.toFixed(2)}×`);
  console.log(
    `throughput     @32 connections, gateway / proxy: ${(throughputRatio * 100).toFixed(0)}%  (target ≥ 80%) ${throughputRatio >= 0.8 ? 'PASS' : 'FAIL'}  ${sliceSpread(p32, g32)}`,
  );
  // Both servers are bound by their one event loop at 32 connections, so the throughput ratio is the ratio of their CPU
  // per request; what the gateway adds over the proxy, in µs, is the same fact in a form less tied to this machine.
  const added = (g32.cpuMicrosPerRequest ?? NaN) - (p32.cpuMicrosPerRequest ?? NaN);
  // The floor (floor.ts) splits the gap: what the stack and the routing core cost, and what the gateway's own
  // per-request features (client keys, the request line, metrics, hang-up handling) add on top.
  if (f32)
    console.log(
      `throughput     @32 connections, floor / proxy: ${((f32.rps / p32.rps) * 100).toFixed(0)}%  (fastify + the router + translation, none of the gateway's own per-request features) ${sliceSpread(p32, f32)}`,
    );
  console.log(
    `CPU per request @32 connections: gateway ${(g32.cpuMicrosPerRequest ?? NaN).toFixed(0)} µs, proxy ${(p32.cpuMicrosPerRequest ?? NaN).toFixed(0)} µs: the gateway adds ${added.toFixed(0)} µs (80% would need ≤ ${((p32.cpuMicrosPerRequest ?? NaN) / 4).toFixed(0)})`,
  );
}

await main();
