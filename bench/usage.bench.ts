// `node bench/usage.bench.ts`: what the usage ledger costs on the request path — CPU per request of a gateway with the
// ledger (SQLite, written in batches off the request path) against the same gateway with `usage.store: off`, and the
// bare proxy as the floor, interleaved in one run in front of the same fake upstream (docs/usage.md). SPEC §9: the
// ledger and budgets together cost at most 10 % of the CPU per request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combine, load, type LoadResult, type LoadTarget } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 4));
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);
const CONNECTIONS = 32;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-bench-'));
  const upstream = await serve(['upstream']);
  const proxy = await serve(['proxy', upstream.url]);
  const on = await serve(['gateway-ledger', upstream.url, join(dir, 'ledger.log')]);
  const off = await serve(['gateway-noledger', upstream.url, join(dir, 'noledger.log')]);
  const auth = (s: Served) => ({ authorization: `Bearer ${s.key ?? ''}` });
  const targets: (LoadTarget & { server: Served })[] = [
    { name: 'proxy', url: proxy.url, headers: {}, server: proxy },
    { name: 'no-ledger', url: off.url, headers: auth(off), server: off },
    { name: 'ledger', url: on.url, headers: auth(on), server: on },
  ];
  try {
    for (const t of targets) await load(t, CONNECTIONS, WARMUP_SECONDS);
    const tallies = targets.map((t) => ({ t, runs: [] as LoadResult[], cpu: 0 }));
    for (let slice = 0; slice < SLICES; slice++)
      for (const tally of tallies) {
        const before = (await tally.t.server.usage()).cpuMicros;
        tally.runs.push(await load(tally.t, CONNECTIONS, SECONDS / SLICES));
        tally.cpu += (await tally.t.server.usage()).cpuMicros - before;
      }
    const perRequest: Record<string, number> = {};
    for (const { t, runs, cpu } of tallies) {
      const r = combine(runs);
      perRequest[t.name] = cpu / Math.max(1, r.requests);
      console.log(
        `${t.name.padEnd(10)} ${r.rps.toFixed(0).padStart(6)} req/s  ${perRequest[t.name]!.toFixed(1).padStart(6)} µs CPU/req  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`,
      );
    }
    const [p, n, l] = [perRequest['proxy']!, perRequest['no-ledger']!, perRequest['ledger']!];
    console.log('');
    console.log(
      `ledger / no ledger, CPU per request: ${(l / n).toFixed(3)}× (+${(l - n).toFixed(1)} µs; SPEC §9 ≤ 1.10× with budgets)`,
    );
    console.log(`no ledger / proxy: ${(n / p).toFixed(2)}×, ledger / proxy: ${(l / p).toFixed(2)}×`);
  } finally {
    await Promise.all([stop(on), stop(off), stop(proxy), stop(upstream)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
