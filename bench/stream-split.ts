// `node bench/stream-split.ts [openai|anthropic]`: what a stream costs at the sweep's pace, split into what each stream
// costs once (its request, opening, end and records) and what each further chunk costs, `switchyard gateway` (from this
// clone's sources, as bench/cli-gateway.ts starts it) beside the buffered proxy, same shape. Rounds of C=32 streams of
// two lengths (BENCH_CHUNKS, `2,50`: chunks 20 ms apart, the first after 50 ms, as the sweep paces them), interleaved
// and turned round by round; CPU per stream from /proc (schedstat, every thread). The line through the two lengths'
// medians gives a stream's fixed cost and its cost a chunk; each thread's share in the last round is printed with
// BENCH_THREADS=1. BENCH_WARMUP_ROUNDS (15), BENCH_ROUNDS (10). Run it alone on the machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway } from './cli-gateway.ts';
import { median } from './load.ts';
import { cpuByThreadOf, cpuMicrosOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';
import { setStreamPace } from './stream-answer.ts';
import { shapedStreamJob, spawnStreams, type StreamLoadJob } from './stream-load.ts';

const SHAPE = process.argv[2] === 'anthropic' ? 'anthropic' : 'openai';
const LENGTHS = (process.env['BENCH_CHUNKS'] ?? '2,50').split(',').map(Number);
const WARMUPS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? 15);
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 10));
const THREADS = process.env['BENCH_THREADS'] === '1';
const STREAMS = 32;

interface Server {
  name: string;
  pid: number;
  job: StreamLoadJob;
}

/** One round of streams on `s` (at the pace the upstream was last given): its CPU per stream, and per thread. */
async function round(s: Server): Promise<{ perStream: number; threads: string }> {
  const cpu0 = cpuMicrosOf(s.pid);
  const threads0 = cpuByThreadOf(s.pid);
  const r = await spawnStreams({ ...s.job, timeoutMs: 30_000 });
  if (r.completed < STREAMS) throw new Error(`${s.name}: ${r.failed} of ${STREAMS} streams failed (${r.reasons[0]})`);
  const perStream = (cpuMicrosOf(s.pid) - cpu0) / r.completed;
  const threads = [...cpuByThreadOf(s.pid)]
    .map(([name, us]) => [name, (us - (threads0.get(name) ?? 0)) / r.completed] as const)
    .filter(([, us]) => us >= 1)
    .map(([name, us]) => `${name} ${us.toFixed(0)}`)
    .join(', ');
  return { perStream, threads };
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-stream-split-'));
const upstream = await serve(['upstream']);
// The proxy gets the allocator settings the gateway starts with, as the sweep gives it.
const proxy = await serve(['proxy', upstream.url], [], {
  ...GATEWAY_ENV,
  NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'),
});
const gateway = await startCliGateway({ dir, config: benchGatewayConfig(upstream.url), clientKey: true });
try {
  const load = { streams: STREAMS, rampMs: 100 };
  const servers: Server[] = [
    {
      name: 'buffered proxy',
      pid: proxy.child.pid!,
      job: shapedStreamJob(SHAPE, proxy, SHAPE === 'openai' ? 'main' : 'claude-bench', load),
    },
    {
      name: 'gateway',
      pid: gateway.child.pid!,
      job: shapedStreamJob(SHAPE, gateway, SHAPE === 'openai' ? 'main' : 'bench_anthropic/claude-bench', load),
    },
  ];
  const perStream = new Map<string, number[]>();
  /** Each server and length's threads in the last round counted (BENCH_THREADS). */
  const lastThreads = new Map<string, string>();
  for (let n = -WARMUPS; n < ROUNDS; n++)
    for (const chunks of LENGTHS) {
      await setStreamPace(upstream.url, { chunks, intervalMs: 20, firstMs: 50 });
      for (const s of n % 2 === 0 ? servers : [...servers].reverse()) {
        const r = await round(s);
        if (n < 0) continue;
        const key = `${s.name}|${chunks}`;
        perStream.set(key, [...(perStream.get(key) ?? []), r.perStream]);
        lastThreads.set(key, r.threads);
      }
    }
  const [short, long] = [Math.min(...LENGTHS), Math.max(...LENGTHS)];
  console.log(
    `${SHAPE}→${SHAPE}, C=${STREAMS}, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'} after ${WARMUPS}; CPU µs per stream, median (range):`,
  );
  const perChunkOf = new Map<string, number>();
  for (const s of servers) {
    for (const chunks of LENGTHS) {
      const xs = perStream.get(`${s.name}|${chunks}`)!;
      console.log(
        `  ${s.name.padEnd(15)} ${String(chunks).padStart(3)} chunks: ${median(xs).toFixed(0).padStart(6)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`,
      );
      if (THREADS) console.log(`      by thread, last round: ${lastThreads.get(`${s.name}|${chunks}`)}`);
    }
    if (short === long) continue;
    const lo = median(perStream.get(`${s.name}|${short}`)!);
    const hi = median(perStream.get(`${s.name}|${long}`)!);
    const perChunk = (hi - lo) / (long - short);
    perChunkOf.set(s.name, perChunk);
    console.log(
      `  ${s.name}: ${(lo - perChunk * short).toFixed(0)} µs a stream once, ${perChunk.toFixed(1)} µs a chunk more; ${(hi / long).toFixed(1)} µs a chunk at ${long}`,
    );
  }
  const [p, g] = servers.map((s) => median(perStream.get(`${s.name}|${long}`)!));
  if (short !== long)
    console.log(
      `  gateway / proxy: ${(g! / p!).toFixed(2)}× a chunk at ${long}; a chunk more ${(perChunkOf.get('gateway')! / perChunkOf.get('buffered proxy')!).toFixed(2)}×`,
    );
} finally {
  await stopCliGateway(gateway);
  await stop(proxy);
  await stop(upstream);
  rmSync(dir, { recursive: true, force: true });
}
