// `node bench/pause.bench.ts`: what an idle stretch costs the requests after it. An agent's gateway serves bursts with
// pauses between them (a person reading, a tool running); a collection that reduces memory during a pause throws away
// the optimized code that depends on objects it frees, so the next burst runs while V8 compiles again.
// The buffered proxy, `switchyard gateway` as it starts (cli-gateway.ts) and the same gateway started with
// BENCH_FLAGS (`--memory-reducer`: V8's own memory reducer back on) are each sent AMOUNT (1000) five-word requests at
// c32 (BENCH_BODY_KB: an agent's body of that size), each slice after PAUSE seconds (9) in which that server had no
// request, over ROUNDS (5) rounds, the servers' order reversed every other round; CPU per request from /proc, the
// median and each round's. Then RSS now, and after IDLE seconds (70: past the gateway's idle trim) more idle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { TRIMMED_WITHIN_MS } from '../src/gateway/server/idle-trim.ts';
import { agentBody, BODY_SIZES } from './agent-body.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway, type CliGateway } from './cli-gateway.ts';
import { median, load, type LoadTarget } from './load.ts';
import { cpuMicrosOf, mib, rssOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';

const AMOUNT = Number(process.env['AMOUNT'] ?? 1000);
const ROUNDS = Math.max(1, Number(process.env['ROUNDS'] ?? 5));
const PAUSE_S = Number(process.env['PAUSE'] ?? 9);
const IDLE_S = Number(process.env['IDLE'] ?? TRIMMED_WITHIN_MS / 1000 + 10);
const KB = Number(process.env['BENCH_BODY_KB'] ?? 0);
const FLAGS = (process.env['BENCH_FLAGS'] ?? '--memory-reducer').split(' ').filter(Boolean);
const CONNECTIONS = 32;

interface Server {
  name: string;
  pid: number;
  target: LoadTarget;
}

const size = KB > 0 ? { bytes: KB * 1024 } : BODY_SIZES[0]!;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-pause-'));
const upstream = await serve(['upstream']);
const proxy = await serve(['proxy', upstream.url], [], {
  ...GATEWAY_ENV,
  NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache'),
});
const gateways: CliGateway[] = [];
const gatewayServer = async (name: string, nodeFlags: string[]): Promise<Server> => {
  const g = await startCliGateway({
    dir: join(dir, String(gateways.length)),
    config: benchGatewayConfig(upstream.url),
    clientKey: true,
    nodeFlags,
  });
  gateways.push(g);
  const headers = { authorization: `Bearer ${g.key}` };
  return {
    name,
    pid: g.child.pid!,
    target: { name, url: g.url, headers, body: agentBody('openai', size, 'bench/bench-model') },
  };
};

try {
  const servers: Server[] = [
    {
      name: 'buffered proxy',
      pid: proxy.child.pid!,
      target: { name: 'proxy', url: proxy.url, headers: {}, body: agentBody('openai', size, 'bench-model') },
    },
    await gatewayServer('gateway', []),
    await gatewayServer(`gateway ${FLAGS.join(' ')}`, FLAGS),
  ];
  for (const s of servers) for (let i = 0; i < 3; i++) await load(s.target, CONNECTIONS, 1, AMOUNT * 2);
  const read = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
      await sleep(PAUSE_S * 1000);
      const before = cpuMicrosOf(s.pid);
      const r = await load(s.target, CONNECTIONS, 1, AMOUNT);
      read.get(s.name)!.push((cpuMicrosOf(s.pid) - before) / Math.max(1, r.requests));
    }
  const rssAfter = servers.map((s) => rssOf(s.pid));
  await sleep(IDLE_S * 1000);
  const proxyMedian = median(read.get(servers[0]!.name)!);
  console.log(
    `${KB > 0 ? `${KB} KB` : 'five words'}, openai→openai, c${CONNECTIONS}: slices of ${AMOUNT} requests, each after ${PAUSE_S} s idle, ${ROUNDS} rounds`,
  );
  servers.forEach((s, i) => {
    const xs = read.get(s.name)!;
    const m = median(xs);
    console.log(
      `  ${s.name.padEnd(30)} ${m.toFixed(0).padStart(5)} µs a request (${(m / proxyMedian).toFixed(2)}× the proxy; rounds ${xs.map((x) => x.toFixed(0)).join(', ')})  RSS ${mib(rssAfter[i]!)} MiB, ${mib(rssOf(s.pid))} after ${IDLE_S} s more idle`,
    );
  });
} finally {
  for (const g of gateways) await stopCliGateway(g);
  await stop(proxy);
  await stop(upstream);
  rmSync(dir, { recursive: true, force: true });
}
