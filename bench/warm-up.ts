// `node bench/warm-up.ts [KB] [REQUESTS]`: what a freshly started `switchyard gateway` (bench/cli-gateway.ts, as a
// user runs it) costs per request while V8 compiles its path, one request at a time, beside a buffered proxy started
// with it (bare-proxy.ts), the two taking turns: the main thread's CPU and the latency of each, printed as the medians
// (and the gateway's most) over groups of requests. An agent's gateway often serves one
// request every few seconds, so its first few hundred requests of a size are what it runs at for a while; the
// sweep's figures are of the path once compiled. KB (200) is an agent's OpenAI body of that size (agent-body.ts; 0:
// five words), REQUESTS (400) how many. WARM_PAUSE_AT=N WARM_PAUSE_S=S pauses S seconds after request N, to see what
// the first requests after an idle stretch (and the idle collection, server/idle-trim.ts) cost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchGatewayConfig, startCliGateway, stopCliGateway } from './cli-gateway.ts';
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';
import { serve, stop, type Served } from './server-process.ts';
import { agentBody } from './agent-body.ts';
import { mainThreadMicrosOf } from './proc-memory.ts';

const KB = Number(process.argv[2] ?? 200);
const REQUESTS = Number(process.argv[3] ?? 400);
const PAUSE_AT = Number(process.env['WARM_PAUSE_AT'] ?? 0);
const PAUSE_S = Number(process.env['WARM_PAUSE_S'] ?? 30);
const body = (model: string): string =>
  KB > 0
    ? agentBody('openai', { bytes: KB * 1024 }, model)
    : JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello in five words.' }] });

interface Server {
  url: string;
  key?: string | undefined;
  pid: number;
  body: string;
  cpu: number[];
  ms: number[];
}

/** One request: its main-thread CPU and latency noted on the server's lists. */
async function send(s: Server, n: number): Promise<void> {
  const c0 = mainThreadMicrosOf(s.pid);
  const t0 = performance.now();
  const res = await fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.key ?? ''}` },
    body: s.body,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`request ${n}: status ${res.status}`);
  s.ms.push(performance.now() - t0);
  s.cpu.push(mainThreadMicrosOf(s.pid) - c0);
}

/** The requests after which a group's line is printed: the first few one by one, then every 25. */
const printAfter = (n: number): boolean =>
  n === 1 || n === 2 || n === 5 || n % 25 === 0 || (PAUSE_AT > 0 && [1, 2, 5].includes(n - PAUSE_AT));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const dir = mkdtempSync(join(tmpdir(), 'switchyard-warm-up-'));
const upstream = await serve(['upstream']);
const buffered: Served = await serve(['proxy', upstream.url], [], { ...GATEWAY_ENV });
const g = await startCliGateway({
  dir: join(dir, 'gateway'),
  config: benchGatewayConfig(upstream.url),
  clientKey: true,
});
try {
  const proxy: Server = { url: buffered.url, pid: buffered.child.pid!, body: body('bench-model'), cpu: [], ms: [] };
  const gateway: Server = {
    url: g.url,
    key: g.key,
    pid: g.child.pid!,
    body: body('bench/bench-model'),
    cpu: [],
    ms: [],
  };
  console.log(
    `${KB > 0 ? `${KB} KB` : 'five words'}, openai→openai, one request at a time, the proxy and a new gateway in turn`,
  );
  console.log('  main thread µs a request (gateway most), latency ms: proxy | gateway');
  for (let n = 1; n <= REQUESTS; n++) {
    if (n === PAUSE_AT + 1 && PAUSE_AT > 0) {
      console.log(`  (idle ${PAUSE_S} s)`);
      await sleep(PAUSE_S * 1000);
    }
    await send(proxy, n);
    await send(gateway, n);
    if (!printAfter(n)) continue;
    console.log(
      `  up to request ${String(n).padStart(4)}: ${median(proxy.cpu).toFixed(0).padStart(5)} | ` +
        `${median(gateway.cpu).toFixed(0).padStart(6)} (${Math.max(...gateway.cpu).toFixed(0)}) µs, ` +
        `${median(proxy.ms).toFixed(2)} | ${median(gateway.ms).toFixed(2)} ms`,
    );
    for (const s of [proxy, gateway]) {
      s.cpu = [];
      s.ms = [];
    }
  }
} finally {
  await stopCliGateway(g);
  await stop(buffered);
  await stop(upstream);
  rmSync(dir, { recursive: true, force: true });
}
