// `node bench/http-stack.bench.ts [--quick]` (issue 53, item 4): what fastify's routing, hooks and reply cost on the
// chat path against a raw node:http handler doing the same work (bench/http-stack.ts), at five words and at a 200 KB
// agent body, beside the buffered proxy; interleaved slices of a fixed number of requests at 32 connections, each
// server's CPU from /proc. Prints CPU per request, each stack's ratio to the raw handler's (per slice, median and
// spread) and what it adds in µs.
import { BODY_SIZES, agentBody } from './agent-body.ts';
import { median, load, type LoadTarget } from './load.ts';
import { cpuMicrosOf } from './proc-memory.ts';
import { serve, stop, type Served } from './server-process.ts';
import { STACK_MODES } from './http-stack.ts';

const QUICK = process.argv.includes('--quick');
const SLICES = Number(process.env['BENCH_SLICES'] ?? (QUICK ? 4 : 10));
const WARMUPS = Number(process.env['BENCH_WARMUP_ROUNDS'] ?? (QUICK ? 2 : 4));
const SIZES = [BODY_SIZES[0], BODY_SIZES[2]];
const CONNECTIONS = 32;

const spread = (xs: readonly number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

async function main(): Promise<void> {
  const upstream = await serve(['upstream']);
  const servers: { name: string; s: Served }[] = [{ name: 'buffered proxy', s: await serve(['proxy', upstream.url]) }];
  for (const mode of STACK_MODES) servers.push({ name: mode, s: await serve(['stack', upstream.url, mode]) });
  try {
    const target = (name: string, s: Served, bytes: number): LoadTarget => ({
      name,
      url: s.url,
      headers: {},
      body: agentBody('openai', { bytes }, 'main'),
    });
    const cpu = new Map<string, number[]>();
    for (let round = 0; round < WARMUPS + SLICES; round++)
      for (const size of SIZES)
        for (const { name, s } of servers) {
          const pid = s.child.pid!;
          const before = cpuMicrosOf(pid);
          const r = await load(target(name, s, size.bytes), CONNECTIONS, 1, size.requests);
          if (r.non2xx + r.errors > 0) throw new Error(`${name} at ${size.name}: ${r.non2xx + r.errors} failed`);
          if (round < WARMUPS) continue;
          const k = `${size.name}|${name}`;
          cpu.set(k, [...(cpu.get(k) ?? []), (cpuMicrosOf(pid) - before) / r.requests]);
        }
    console.log(
      `${SLICES} slices after ${WARMUPS} warm-up rounds, c${CONNECTIONS}; CPU per request (median of slices)`,
    );
    for (const size of SIZES) {
      const raw = cpu.get(`${size.name}|raw`)!;
      console.log(`\n${size.name}`);
      for (const { name } of servers) {
        const mine = cpu.get(`${size.name}|${name}`)!;
        const ratio = mine.map((v, i) => v / raw[i]!);
        const added = median(mine.map((v, i) => v - raw[i]!));
        console.log(
          `  ${name.padEnd(18)} ${median(mine).toFixed(0).padStart(6)} µs  ${median(ratio).toFixed(2)}× raw (${spread(ratio)})  ${added >= 0 ? '+' : ''}${added.toFixed(0)} µs`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.map(({ s }) => stop(s)), stop(upstream)]);
  }
}

await main();
