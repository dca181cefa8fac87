// `node bench/slice-length.ts [AMOUNT…]` (default 250 1000 4000): what the length of a measured slice does to the
// sweep's CPU ratio. The buffered proxy and `switchyard gateway` (from this clone's sources, as compare.bench.ts
// --sweep starts them) are sent five-word openai→openai requests at c32 in slices of each AMOUNT requests, every
// answer waited for (load.ts), interleaved over ROUNDS (3) rounds; CPU per request from /proc. Then a line fitted
// through the medians, CPU = fixed + per request × AMOUNT, for each server: the fixed part is what a slice costs
// however few requests it holds (the load generator's connections, and a process woken from idle), which a short
// slice charges to every one of its requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { agentBody, BODY_SIZES } from './agent-body.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway } from './cli-gateway.ts';
import { median, load, type LoadTarget } from './load.ts';
import { cpuMicrosOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';

const AMOUNTS = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const amounts = AMOUNTS.length > 0 ? AMOUNTS : [250, 1000, 4000];
const ROUNDS = Math.max(1, Number(process.env['ROUNDS'] ?? 3));
const CONNECTIONS = 32;

interface Server {
  name: string;
  pid: number;
  target: LoadTarget;
}

/** CPU per request of one slice of `amount` requests. */
async function slice(s: Server, amount: number): Promise<number> {
  const before = cpuMicrosOf(s.pid);
  const r = await load(s.target, CONNECTIONS, 1, amount);
  return (cpuMicrosOf(s.pid) - before) / Math.max(1, r.requests);
}

/** Least squares through (amount, CPU of the slice). */
function fit(points: readonly [amount: number, perRequest: number][]): { fixed: number; each: number } {
  const xs = points.map(([a]) => a);
  const ys = points.map(([a, p]) => a * p);
  const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
  const my = ys.reduce((s, y) => s + y, 0) / ys.length;
  const sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  const each = sxx === 0 ? my / mx : sxy / sxx;
  return { fixed: my - each * mx, each };
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-slice-length-'));
const upstream = await serve(['upstream']);
const env = { ...GATEWAY_ENV, NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') };
const proxy = await serve(['proxy', upstream.url], [], env);
const gateway = await startCliGateway({
  dir: join(dir, 'this'),
  config: benchGatewayConfig(upstream.url),
  clientKey: true,
});
try {
  const size = BODY_SIZES[0]!;
  const servers: Server[] = [
    {
      name: 'buffered proxy',
      pid: proxy.child.pid!,
      target: { name: 'proxy', url: proxy.url, headers: {}, body: agentBody('openai', size, 'bench-model') },
    },
    {
      name: 'gateway',
      pid: gateway.child.pid!,
      target: {
        name: 'gateway',
        url: gateway.url,
        headers: { authorization: `Bearer ${gateway.key}` },
        body: agentBody('openai', size, 'bench/bench-model'),
      },
    },
  ];
  for (const s of servers) for (const amount of amounts) await slice(s, amount);
  const read = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++)
    for (const amount of amounts)
      for (const s of servers) {
        const key = `${s.name}|${amount}`;
        read.set(key, [...(read.get(key) ?? []), await slice(s, amount)]);
      }
  console.log(`five words, openai→openai, c${CONNECTIONS}, ${ROUNDS} interleaved rounds; CPU per request (median)`);
  console.log(`${'requests a slice'.padEnd(18)} ${servers.map((s) => s.name.padStart(16)).join('')}  gateway / proxy`);
  for (const amount of amounts) {
    const [p, g] = servers.map((s) => median(read.get(`${s.name}|${amount}`)!));
    console.log(
      `${String(amount).padEnd(18)} ${`${p!.toFixed(0)} µs`.padStart(16)}${`${g!.toFixed(0)} µs`.padStart(16)}  ${(g! / p!).toFixed(2)}×`,
    );
  }
  const fits = servers.map((s) =>
    fit(amounts.map((a) => [a, median(read.get(`${s.name}|${a}`)!)] as [number, number])),
  );
  for (const [i, s] of servers.entries())
    console.log(
      `${s.name}: a slice's fixed cost ${(fits[i]!.fixed / 1000).toFixed(1)} ms, then ${fits[i]!.each.toFixed(0)} µs a request`,
    );
  console.log(`gateway / proxy, a request past the fixed cost: ${(fits[1]!.each / fits[0]!.each).toFixed(2)}×`);
} finally {
  await stopCliGateway(gateway);
  await stop(proxy);
  await stop(upstream);
  rmSync(dir, { recursive: true, force: true });
}
