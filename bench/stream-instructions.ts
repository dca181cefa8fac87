// `node bench/stream-instructions.ts <clone | floor> [openai|anthropic] [streams]`: the instructions a gateway spends
// per streamed chunk, counted by valgrind's callgrind (not run by CI; needs valgrind). Unlike CPU time on a shared
// machine, an instruction count is the same from run to run whatever else the machine is doing, so it measures a
// change to the streaming path when bench:stream's ratios drift. The gateway of `<clone>` (its bench/serve.ts
// stream-gateway) or the floor runs under callgrind against the fake upstream; after WARM (6) warm-up rounds the counters
// are zeroed, one round of `streams` (10) streams of CHUNKS (200) chunks runs, and the counts are dumped per thread:
// the main thread's is the event loop's work; the others are V8's compiler and GC helpers, which vary more.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GATEWAY_ENV } from '../src/gateway/process-memory.ts';
import { serve, stop } from './server-process.ts';
import { runStreams, shapedStreamJob } from './stream-load.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const floor = process.argv[2] === 'floor';
const checkout = floor ? join(HERE, '..') : (process.argv[2] ?? join(HERE, '..'));
const shape = process.argv[3] === 'anthropic' ? 'anthropic' : 'openai';
const STREAMS = Number(process.argv[4] ?? 10);
const CHUNKS = Number(process.env['CHUNKS'] ?? 200);
const WARM = Number(process.env['WARM'] ?? 6);

function model(): string {
  if (floor) return shape === 'openai' ? 'bench-model' : 'claude-bench';
  return shape === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench';
}

const up = await serve(['upstream']);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-callgrind-'));
const role = floor ? ['proxy', up.url] : ['stream-gateway', up.url, join(dir, 'gateway.log')];
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--separate-threads=yes',
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
    process.execPath,
    join(checkout, 'bench', 'serve.ts'),
    ...role,
  ],
  { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...GATEWAY_ENV } },
);
try {
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const info = JSON.parse(line) as { url: string; key?: string };
  const job = shapedStreamJob(shape, info, model(), { streams: STREAMS, rampMs: 100, timeoutMs: 600_000 });
  await fetch(`${up.url}/bench/stream`, {
    method: 'POST',
    body: JSON.stringify({ chunks: CHUNKS, intervalMs: 20, firstMs: 50 }),
  });
  for (let i = 0; i < WARM; i++) await runStreams(job);
  execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
  const r = await runStreams(job);
  execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const chunks = Math.max(1, r.completed * CHUNKS);
  const perThread = readdirSync(dir)
    .filter((f) => f.startsWith('cg.out.'))
    .sort()
    .map((f) => Number(/(?:summary|totals): (\d+)/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? 0) / chunks);
  const [main = 0, ...others] = perThread;
  const helpers = others.reduce((a, b) => a + b, 0);
  console.log(
    `${floor ? 'floor' : checkout} ${shape}: ${r.completed}/${STREAMS} streams of ${CHUNKS} chunks; instructions per chunk: main thread ${Math.round(main)}, other threads ${Math.round(helpers)}`,
  );
} finally {
  child.kill('SIGKILL');
  await stop(up);
  rmSync(dir, { recursive: true, force: true });
}
