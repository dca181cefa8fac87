// `npm run bench:alloc`: what the gateway's request path allocates (issue #42). One gateway process (bench/serve.ts
// `gateway`, every per-request feature on, the allocator settings and V8 flags `switchyard gateway` starts with) run
// with --trace-gc-nvp, in front of the fake upstream; rounds of non-streaming load at 32 connections. V8 says at each
// collection how many bytes were allocated since the last one: their sum over a round, per request, is the garbage a
// request leaves. Between rounds a full collection (--expose-gc, asked through SIGUSR2) gives the heap still reachable:
// it must not grow from round to round. RSS is read from /proc before and after each round, before that collection.
// Knobs: BENCH_ROUNDS (5), BENCH_SECONDS (10 per round), BENCH_NODE_FLAGS and BENCH_ENV (other settings for the
// gateway's process, bench/gateway-process.ts), BENCH_TRACE=1 (the collector's lines on stderr), BENCH_SITES=1 (V8's
// sampling heap profiler over the rounds, garbage included, bench/heap-sampling.ts: the bytes per request by where they
// were allocated, each site as its own frame and as the innermost frame of Switchyard's src/ that led to it),
// BENCH_BODY_KB (an agent's body of about that many KB instead of five words), BENCH_CONNECTIONS (32). Only the main
// thread's collections are counted: the token counter's worker has an isolate of its own. The warm-up is counted, not
// timed, so the first round does not start among the estimates of the requests a timed load hangs up on.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { agentBody } from './agent-body.ts';
import { gatewayProcess } from './gateway-process.ts';
import { printSites } from './heap-sites.ts';
import { load } from './load.ts';
import { memoryParts, mib, partsText, rssOf } from './proc-memory.ts';
import { serve, stop, type ServerUsage } from './server-process.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 5));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const GATEWAY = gatewayProcess('BENCH');
const SITES = process.env['BENCH_SITES'] === '1';
/** BENCH_BODY_KB=200: an agent's OpenAI body of about that size (agent-body.ts) instead of five words. */
const BODY_KB = Number(process.env['BENCH_BODY_KB'] ?? 0);
/** Enough requests for V8 to have compiled the request path, at every body size. */
const WARM_UP_REQUESTS = 2_000;
/** BENCH_CONNECTIONS: the rounds' connections (the warm-up's stay 32). */
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 32);

/** The gateway with its collector's trace: the bytes allocated since the last mark, and its SIGUSR2 reports. */
interface Traced {
  pid: number;
  url: string;
  key: string;
  /** Bytes V8 said were allocated since the last call. */
  allocated(): number;
  /** Bytes V8 said it moved to the old generation since the last call. */
  promoted(): number;
  collections(): number;
  usage(): Promise<ServerUsage>;
  stop(): Promise<void>;
}

/** `sites`: where the sampling heap profiler writes its profile (BENCH_SITES=1). */
function startTraced(upstreamUrl: string, log: string, sites?: string): Promise<Traced> {
  const sampling = sites === undefined ? [] : ['--import', join(HERE, 'heap-sampling.ts')];
  const child = spawn(
    process.execPath,
    [
      ...GATEWAY.flags,
      ...sampling,
      '--expose-gc',
      '--trace-gc-nvp',
      join(HERE, 'serve.ts'),
      'gateway',
      upstreamUrl,
      log,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...GATEWAY.env, ...(sites === undefined ? {} : { HEAP_SAMPLING_FILE: sites }) },
    },
  );
  let allocated = 0;
  let promoted = 0;
  let collections = 0;
  const reports: ((u: ServerUsage) => void)[] = [];
  let started: ((info: { url: string; key: string }) => void) | undefined;
  // The main thread's isolate is the first to collect; the token counter's worker (calls/count-off-thread.ts) has
  // its own, whose lines counted its tables' load (25-50 MB promoted) as the requests'.
  let mainIsolate: string | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const bytes = /\ballocated=(\d+)/.exec(line);
    if (bytes?.[1] !== undefined) {
      if (process.env['BENCH_TRACE'] === '1') console.error(line);
      const isolate = /^\[\d+:(0x[0-9a-f]+)/.exec(line)?.[1];
      mainIsolate ??= isolate;
      if (isolate !== mainIsolate) return;
      allocated += Number(bytes[1]);
      promoted += Number(/\bpromoted=(\d+)/.exec(line)?.[1] ?? 0);
      collections++;
      return;
    }
    if (!line.startsWith('{')) return;
    const value = JSON.parse(line) as { url?: string; key?: string } & ServerUsage;
    if (value.url !== undefined) started?.({ url: value.url, key: value.key ?? '' });
    else reports.shift()?.(value);
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the gateway exited with ${code}`)));
    started = ({ url, key }) =>
      resolve({
        pid: child.pid ?? 0,
        url,
        key,
        allocated: () => {
          const n = allocated;
          allocated = 0;
          return n;
        },
        promoted: () => {
          const n = promoted;
          promoted = 0;
          return n;
        },
        collections: () => {
          const n = collections;
          collections = 0;
          return n;
        },
        usage: () =>
          new Promise((done) => {
            reports.push(done);
            child.kill('SIGUSR2');
          }),
        stop: () =>
          new Promise((done) => {
            // Stopped already (to read its profile): nothing more to wait for.
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-alloc-'));
  const upstream = await serve(['upstream']);
  const sites = SITES ? join(dir, 'sites.heapprofile') : undefined;
  const gw = await startTraced(upstream.url, join(dir, 'gateway.log'), sites);
  let requests = 0;
  try {
    await sleep(1500);
    const idle = rssOf(gw.pid);
    const target = {
      name: 'gateway',
      url: gw.url,
      headers: { authorization: `Bearer ${gw.key}` },
      ...(BODY_KB > 0 ? { body: agentBody('openai', { bytes: BODY_KB * 1024 }, 'main') } : {}),
    };
    await load(target, 32, 3, WARM_UP_REQUESTS);
    const warm = await gw.usage();
    const first = warm.heapUsed ?? NaN;
    let cpu = warm.cpuMicros;
    gw.allocated();
    gw.promoted();
    gw.collections();
    console.log(
      `idle RSS ${mib(idle)} MiB; heap after a full collection, warmed up: ${mib(first)} MiB; ${SECONDS} s rounds at c${CONNECTIONS}`,
    );
    const heaps: number[] = [first];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await load(target, CONNECTIONS, SECONDS);
      const rss = rssOf(gw.pid);
      const parts = partsText(memoryParts(gw.pid));
      const bytes = gw.allocated();
      const promoted = gw.promoted();
      const collections = gw.collections();
      const report = await gw.usage();
      const heap = report.heapUsed ?? NaN;
      // The report's own collection is counted in the next round: one per round, as a long run has them.
      const cpuPerRequest = (report.cpuMicros - cpu) / Math.max(1, r.requests);
      cpu = report.cpuMicros;
      heaps.push(heap);
      requests += r.requests;
      console.log(
        `  round ${round}: ${r.requests} requests, ${cpuPerRequest.toFixed(0)} µs CPU each, ${(bytes / Math.max(1, r.requests) / 1024).toFixed(1)} KiB allocated per request (${(promoted / Math.max(1, r.requests) / 1024).toFixed(1)} KiB of it promoted), ${((collections * 1000) / Math.max(1, r.requests)).toFixed(1)} collections per 1k requests; RSS ${mib(rss)} MiB (${(rss / idle).toFixed(2)}× idle: ${parts}) before a collection; heap after one ${mib(heap)} MiB`,
      );
      gw.allocated();
      gw.promoted();
      gw.collections();
    }
    const growth = heaps.at(-1)! - heaps[1]!;
    console.log(
      `heap after a full collection, round 1 → ${ROUNDS}: ${mib(heaps[1]!)} → ${mib(heaps.at(-1)!)} MiB (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KiB)`,
    );
    await gw.stop();
    if (sites !== undefined) printSites(sites, requests);
  } finally {
    await gw.stop();
    await stop(upstream);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
