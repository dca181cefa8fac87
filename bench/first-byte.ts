// `node bench/first-byte.ts [KB…]`: the time to first byte a streamed request's body adds through the gateway, one
// stream at a time (C=1: the latency the body adds) and in bursts of 32 opened over 100 ms (the sweep's C=32: the
// queue), against the buffered proxy, interleaved round by round. Beside each: the server's CPU per request by
// thread, and its main thread's busiest 10 ms over the burst, sampled from /proc. Says whether an added first byte is
// the request's own work or waiting behind the others'. Knobs: FIRST_BYTE_ROUNDS (3, after one to warm up),
// FIRST_BYTE_CHUNKS (5 per stream, 20 ms apart after 50 ms), FIRST_BYTE_FLAGS (below), FIRST_BYTE_SHAPE (openai, or
// anthropic: the caller's and the upstream's shape).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway } from './cli-gateway.ts';
import { percentile } from './load.ts';
import { cpuByThreadOf, mainThreadMicrosOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';
import { shapedStreamJob, spawnStreams } from './stream-load.ts';

const SIZES_KB = process.argv.slice(2).map(Number);
const ROUNDS = Number(process.env['FIRST_BYTE_ROUNDS'] ?? 3);
const CHUNKS = Number(process.env['FIRST_BYTE_CHUNKS'] ?? 5);
/** FIRST_BYTE_FLAGS: a second gateway with these node flags runs beside the first, round for round. */
const FLAGS = (process.env['FIRST_BYTE_FLAGS'] ?? '').split(' ').filter((f) => f !== '');
/** Streams opened one after another at C=1, so its p50 has as many samples as a burst's. */
const ALONE = 10;
/** FIRST_BYTE_SHAPE: the caller's and the upstream's shape (openai, or anthropic). */
const SHAPE = process.env['FIRST_BYTE_SHAPE'] === 'anthropic' ? 'anthropic' : 'openai';
const PROXY_MODEL = SHAPE === 'openai' ? 'bench-model' : 'claude-bench';
const GATEWAY_MODEL = SHAPE === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench';

interface Server {
  name: string;
  url: string;
  key?: string;
  pid: number;
  model: string;
}

interface Run {
  ttfbs: number[];
  cpu: Map<string, number>;
  requests: number;
  busiest: number;
}

/** The main thread's CPU per 10 ms while `work` runs: the busiest slot's share of it. */
async function sampled<T>(pid: number, work: Promise<T>): Promise<{ value: T; busiest: number }> {
  const read = (): number => mainThreadMicrosOf(pid) / 1000;
  let last = read();
  let at = performance.now();
  let busiest = 0;
  // A timer fires late on a busy machine: the share is of the time that passed, not of 10 ms.
  const timer = setInterval(() => {
    const now = read();
    const t = performance.now();
    // The scheduler's count lags its ticks a little: a slot may read past its time, so the share stops at 1.
    busiest = Math.max(busiest, Math.min(1, (now - last) / (t - at)));
    last = now;
    at = t;
  }, 10);
  try {
    return { value: await work, busiest };
  } finally {
    clearInterval(timer);
  }
}

async function run(s: Server, streams: number, bytes: number): Promise<Run> {
  const before = cpuByThreadOf(s.pid);
  const ttfbs: number[] = [];
  let busiest = 0;
  for (let i = 0; i < (streams === 1 ? ALONE : 1); i++) {
    const job = shapedStreamJob(SHAPE, s, s.model, { streams, rampMs: 100, agentBytes: bytes, timeoutMs: 30_000 });
    const r = await sampled(s.pid, spawnStreams(job));
    if (r.value.failed > 0)
      throw new Error(`${s.name}: ${r.value.failed} streams failed: ${r.value.reasons.join('; ')}`);
    ttfbs.push(...r.value.ttfts);
    busiest = Math.max(busiest, r.busiest);
  }
  const after = cpuByThreadOf(s.pid);
  const cpu = new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
  return { ttfbs: ttfbs.sort((a, b) => a - b), cpu, requests: ttfbs.length, busiest };
}

const added = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(1)}`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'switchyard-first-byte-'));
const upstream = await serve(['upstream']);
const buffered = await serve(['proxy', upstream.url], [], { ...GATEWAY_ENV });
const config = benchGatewayConfig(upstream.url);
const g = await startCliGateway({ dir: join(dir, 'gateway'), config, clientKey: true });
const flagged =
  FLAGS.length > 0
    ? await startCliGateway({ dir: join(dir, 'flagged'), config, clientKey: true, nodeFlags: FLAGS })
    : undefined;
try {
  const pace = { chunks: CHUNKS, intervalMs: 20, firstMs: 50 };
  await fetch(`${upstream.url}/bench/stream`, { method: 'POST', body: JSON.stringify(pace) });
  const servers: Server[] = [
    { name: 'buffered proxy', url: buffered.url, pid: buffered.child.pid!, model: PROXY_MODEL },
    { name: 'gateway', url: g.url, ...(g.key ? { key: g.key } : {}), pid: g.child.pid!, model: GATEWAY_MODEL },
  ];
  if (flagged !== undefined)
    servers.push({
      name: `gateway ${FLAGS.join(' ')}`,
      url: flagged.url,
      ...(flagged.key ? { key: flagged.key } : {}),
      pid: flagged.child.pid!,
      model: GATEWAY_MODEL,
    });
  console.log(
    `first byte, ${SHAPE}→${SHAPE} streams of ${CHUNKS} chunks (first after ${pace.firstMs} ms); median of ${ROUNDS} rounds`,
  );
  for (const kb of SIZES_KB.length > 0 ? SIZES_KB : [0, 200])
    for (const streams of [1, 32]) {
      const runs = new Map<string, Run[]>();
      for (let round = 0; round <= ROUNDS; round++)
        for (const s of servers) {
          const r = await run(s, streams, kb * 1024);
          // Round 0 warms up.
          if (round > 0) runs.set(s.name, [...(runs.get(s.name) ?? []), r]);
        }
      const p50 = (name: string): number => median(runs.get(name)!.map((r) => percentile(r.ttfbs, 50)));
      for (const s of servers) {
        const rs = runs.get(s.name)!;
        const threads = [...new Set(rs.flatMap((r) => [...r.cpu.keys()]))]
          .map((t) => [t, median(rs.map((r) => (r.cpu.get(t) ?? 0) / r.requests))] as const)
          .filter(([, us]) => us >= 10)
          .map(([t, us]) => `${t} ${us.toFixed(0)}`)
          .join(', ');
        console.log(
          `  ${kb === 0 ? '5 words' : `${kb} KB`} C=${streams} ${s.name.padEnd(15)} TTFB p50 ${p50(s.name).toFixed(1)} ms` +
            (s.name.startsWith('gateway') ? ` (${added(p50(s.name) - p50('buffered proxy'))})` : '') +
            `  CPU µs/request: ${threads}  main thread's busiest 10 ms ${(median(rs.map((r) => r.busiest)) * 100).toFixed(0)} %`,
        );
      }
    }
} finally {
  if (flagged !== undefined) await stopCliGateway(flagged);
  await stopCliGateway(g);
  await stop(buffered);
  await stop(upstream);
  rmSync(dir, { recursive: true, force: true });
}
