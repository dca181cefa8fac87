// `npm run bench:budgets`: what budgets cost on the request path (SPEC §9: ≤ 10% of the CPU per request). Two
// gateways on SQLite state files in front of one fake upstream, alike but for four budgets (a client key's USD, the
// task's tokens, everything's requests and the provider's requests, none reached), in interleaved slices at 32
// connections; CPU per request read from /proc for each server process, and the ratio of the two.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { combine, load, type LoadResult, type LoadTarget } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 12);
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 6));
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);
const CONNECTIONS = 32;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-budgets-'));
  for (const d of ['off', 'on']) mkdirSync(join(dir, d));
  const upstream = await serve(['upstream']);
  const off = await serve(['budgets-gateway', upstream.url, join(dir, 'off', 'gateway.log'), 'off']);
  const on = await serve(['budgets-gateway', upstream.url, join(dir, 'on', 'gateway.log'), 'on']);
  const targets: (LoadTarget & { server: Served })[] = [
    { name: 'no budgets', url: off.url, headers: { authorization: `Bearer ${off.key ?? ''}` }, server: off },
    { name: '4 budgets', url: on.url, headers: { authorization: `Bearer ${on.key ?? ''}` }, server: on },
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
    const perRequest: number[] = [];
    for (const { t, runs, cpu } of tallies) {
      const r = combine(runs);
      const us = cpu / Math.max(1, r.requests);
      perRequest.push(us);
      console.log(
        `${t.name.padEnd(10)} ${r.rps.toFixed(0).padStart(6)} req/s  ${us.toFixed(1).padStart(6)} µs CPU/req  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`,
      );
      if (r.non2xx + r.errors > 0) console.log('WARNING: errors answered; the figures are not valid');
    }
    const [without, withBudgets] = perRequest as [number, number];
    const ratio = withBudgets / without;
    console.log(
      `CPU per request with budgets / without: ${ratio.toFixed(3)}× (+${(withBudgets - without).toFixed(1)} µs; target ≤ 1.10×) ${ratio <= 1.1 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await Promise.all([stop(on), stop(off), stop(upstream)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
