// `node bench/stream-instructions.ts <clone | floor> [openai|anthropic][>openai|>anthropic] [streams]`: the
// instructions a gateway spends per streamed chunk (`openai>anthropic`: an OpenAI-shaped caller on an Anthropic upstream;
// without `>`, the same shape both sides), counted by valgrind's callgrind (not run by CI; needs valgrind). Unlike CPU time on a shared
// machine, an instruction count is the same from run to run whatever else the machine is doing, so it measures a
// change to the streaming path when bench:stream's ratios drift. The gateway of `<clone>` (its bench/serve.ts
// stream-gateway) or the floor runs under callgrind against the fake upstream; after WARM (6) warm-up rounds the counters
// are zeroed, one round of `streams` (10) streams of CHUNKS (200) chunks runs, and the counts are dumped per thread:
// the main thread's is the event loop's work; the others are V8's compiler and GC helpers, which vary more.
// A count per chunk holds only at one chunk per upstream read: on a busy machine callgrind falls behind and reads
// carry several chunks, which lowers it (INTERVAL_MS and fewer streams keep it at one).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { serve, stop } from './server-process.ts';
import { counted, perUnit, startCallgrind, stopCallgrind, type Callgrinded } from './callgrind.ts';
import { runStreams, shapedStreamJob } from './stream-load.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const floor = process.argv[2] === 'floor';
const checkout = floor ? join(HERE, '..') : (process.argv[2] ?? join(HERE, '..'));
const [callerArg, upstreamArg] = (process.argv[3] ?? 'openai').split('>');
const shape = callerArg === 'anthropic' ? 'anthropic' : 'openai';
// The floor reads the upstream's shape as it is, so it has no cross-shape form.
const upstream = floor || upstreamArg === undefined ? shape : upstreamArg === 'anthropic' ? 'anthropic' : 'openai';
const STREAMS = Number(process.argv[4] ?? 10);
const CHUNKS = Number(process.env['CHUNKS'] ?? 200);
const WARM = Number(process.env['WARM'] ?? 6);
// INTERVAL_MS: the upstream's time between chunks. Under callgrind a busy machine lets chunks pile up into one read,
// which lowers the count per chunk; a longer interval keeps it at one chunk per read.
const INTERVAL_MS = Number(process.env['INTERVAL_MS'] ?? 20);

function model(): string {
  if (floor) return shape === 'openai' ? 'bench-model' : 'claude-bench';
  return upstream === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench';
}

const up = await serve(['upstream']);
let cg: Callgrinded | undefined;
try {
  cg = await startCallgrind(
    checkout,
    (dir) => (floor ? ['proxy', up.url] : ['stream-gateway', up.url, join(dir, 'gateway.log')]),
    { ...process.env, ...GATEWAY_ENV },
    // CALLGRIND_NODE_FLAGS (e.g. `--perf-basic-prof --interpreted-frames-native-stack`): JS frames get a
    // /tmp/perf-<pid>.map, so callgrind's JIT addresses can be named afterwards.
    (process.env['CALLGRIND_NODE_FLAGS'] ?? '').split(' ').filter((f) => f !== ''),
  );
  if (process.env['CALLGRIND_KEEP'] !== undefined) process.stderr.write(`callgrind pid: ${cg.child.pid}\n`);
  const job = shapedStreamJob(shape, cg.info, model(), { streams: STREAMS, rampMs: 100, timeoutMs: 600_000 });
  await fetch(`${up.url}/bench/stream`, {
    method: 'POST',
    body: JSON.stringify({ chunks: CHUNKS, intervalMs: INTERVAL_MS, firstMs: 50 }),
  });
  for (let i = 0; i < WARM; i++) await runStreams(job);
  const r = await counted(cg, () => runStreams(job));
  const { main, helpers } = perUnit(cg, Math.max(1, r.completed * CHUNKS));
  console.log(
    `${floor ? 'floor' : checkout} ${shape === upstream ? shape : `${shape}>${upstream}`}: ${r.completed}/${STREAMS} streams of ${CHUNKS} chunks; instructions per chunk: main thread ${Math.round(main)}, other threads ${Math.round(helpers)}`,
  );
} finally {
  stopCallgrind(cg);
  await stop(up);
}
