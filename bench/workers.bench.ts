// `npm run bench:workers`: throughput of `switchyard gateway` with 1 and with 2 workers (`--workers`), the real CLI
// process tree in front of the fixed fake upstream, in interleaved slices; server CPU per request from /proc (the
// primary and its workers together). Not run by CI (docs/replicas.md#workers-every-core).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliGateway, stopCliGateway, type CliGateway } from './cli-gateway.ts';
import { combine, load, type LoadResult } from './load.ts';
import { serve, stop } from './server-process.ts';
import { childrenOf, cpuMicrosOf } from './proc-memory.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 4));
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);

interface Gateway extends CliGateway {
  name: string;
}

function configYaml(upstreamUrl: string): string {
  return `providers:
  bench: { type: openai, base_url: ${upstreamUrl}/v1, api_key: sk-bench-upstream-key-0000, models: { bench-model: {} } }
main: { provider: bench, model: bench-model }
gateway: { listen: '127.0.0.1:0', require_keys: false, log_level: info }
`;
}

/** `switchyard gateway --workers N`, in a directory of its own under `dir`. */
async function startGateway(dir: string, upstreamUrl: string, workers: number): Promise<Gateway> {
  const g = await startCliGateway({
    dir: join(dir, `workers-${workers}`),
    config: configYaml(upstreamUrl),
    args: ['--workers', String(workers)],
  });
  return { name: `${workers} worker${workers === 1 ? '' : 's'}`, ...g };
}

/** CPU the process tree has used so far: the primary and the workers running now. */
function treeCpu(pid: number): number {
  return cpuMicrosOf(pid) + childrenOf(pid).reduce((sum, c) => sum + cpuMicrosOf(c), 0);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-workers-'));
  const upstream = await serve(['upstream']);
  const gateways = [await startGateway(dir, upstream.url, 1), await startGateway(dir, upstream.url, 2)];
  try {
    for (const g of gateways) await load({ name: g.name, url: g.url, headers: {} }, CONNECTIONS, WARMUP_SECONDS);
    const tallies = gateways.map((g) => ({ g, runs: [] as LoadResult[], cpu: 0, primaryCpu: 0 }));
    for (let slice = 0; slice < SLICES; slice++) {
      for (const tally of tallies) {
        const pid = tally.g.child.pid ?? 0;
        const before = treeCpu(pid);
        const primaryBefore = cpuMicrosOf(pid);
        tally.runs.push(
          await load({ name: tally.g.name, url: tally.g.url, headers: {} }, CONNECTIONS, SECONDS / SLICES),
        );
        tally.cpu += treeCpu(pid) - before;
        tally.primaryCpu += cpuMicrosOf(pid) - primaryBefore;
      }
    }
    const results = tallies.map(({ runs, cpu, primaryCpu }) => {
      const r = combine(runs);
      r.cpuMicrosPerRequest = cpu / Math.max(1, r.requests);
      // With workers, the primary's part: handing out connections and passing the workers' log lines on.
      r.clientCpuMicrosPerRequest = primaryCpu / Math.max(1, r.requests);
      return r;
    });
    for (const r of results)
      console.log(
        `${r.name.padEnd(10)} c=${r.connections}  ${r.rps.toFixed(0).padStart(6)} req/s  median ${r.medianMs.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ${(r.cpuMicrosPerRequest ?? 0).toFixed(0)} µs server CPU/req (primary ${(r.clientCpuMicrosPerRequest ?? 0).toFixed(0)})  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`,
      );
    const [one, two] = results as [LoadResult, LoadResult];
    const ratios = (two.slices ?? []).map((s, i) => s.rps / (one.slices?.[i]?.rps ?? NaN)).filter(Number.isFinite);
    console.log(
      `\nthroughput, 2 workers / 1: ${(two.rps / one.rps).toFixed(2)}×  (slices ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×); server CPU per request, 2 / 1: ${((two.cpuMicrosPerRequest ?? NaN) / (one.cpuMicrosPerRequest ?? NaN)).toFixed(2)}×`,
    );
    console.log(
      'On a machine with as many free cores as workers the throughput grows with them until the upstream, the load generator or the primary (which hands out connections) is the limit; the load generator and the upstream share this machine.',
    );
  } finally {
    await Promise.all([...gateways.map(stopCliGateway), stop(upstream)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
