// `node bench/compare.bench.ts DIR…`: this checkout's gateway against the gateways of other checkouts (an older
// commit in a git worktree, with its own node_modules), with the bare proxy as the floor, in interleaved slices at 32
// connections in front of one fake upstream. On a shared machine two separate `npm run bench` runs drift more than a
// change is worth; here every server sees the same machine, and the spread over slices says how far to trust it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { combine, load, type LoadResult, type LoadTarget } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 12);
const SLICES = Math.max(1, Number(process.env['BENCH_SLICES'] ?? 6));
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10);
const CONNECTIONS = 32;

interface Tally {
  t: LoadTarget & { server: Served };
  runs: LoadResult[];
  /** CPU µs per request, slice by slice. */
  perSlice: number[];
  cpu: number;
}

function spread(values: readonly number[]): string {
  return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;
}

async function main(): Promise<void> {
  const others = process.argv.slice(2).map((d) => resolve(d));
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-compare-'));
  const upstream = await serve(['upstream']);
  const proxy = await serve(['proxy', upstream.url]);
  const gateways: { name: string; server: Served }[] = [
    { name: 'this', server: await serve(['gateway', upstream.url, join(dir, 'this.log')]) },
  ];
  for (const [i, other] of others.entries())
    gateways.push({
      name: basename(other),
      server: await serve(['gateway', upstream.url, join(dir, `other-${i}.log`)], [], {}, other),
    });
  const auth = (s: Served) => ({ authorization: `Bearer ${s.key ?? ''}` });
  const targets: (LoadTarget & { server: Served })[] = [
    { name: 'proxy', url: proxy.url, headers: {}, server: proxy },
    ...gateways.map((g) => ({ name: g.name, url: g.server.url, headers: auth(g.server), server: g.server })),
  ];
  try {
    // Warmed in turns too: a gateway left idle ~10 s gives its heap back (gateway/idle-trim.ts) and starts cold again.
    for (let round = 0; round < 3; round++) for (const t of targets) await load(t, CONNECTIONS, WARMUP_SECONDS / 3);
    const tallies: Tally[] = targets.map((t) => ({ t, runs: [], perSlice: [], cpu: 0 }));
    for (let slice = 0; slice < SLICES; slice++)
      for (const tally of tallies) {
        const before = (await tally.t.server.usage()).cpuMicros;
        const run = await load(tally.t, CONNECTIONS, SECONDS / SLICES);
        const cpu = (await tally.t.server.usage()).cpuMicros - before;
        tally.runs.push(run);
        tally.perSlice.push(cpu / Math.max(1, run.requests));
        tally.cpu += cpu;
      }
    const floor = tallies[0]!;
    for (const tally of tallies) {
      const r = combine(tally.runs);
      const us = tally.cpu / Math.max(1, r.requests);
      const ratios = tally.perSlice.map((v, i) => v / floor.perSlice[i]!);
      const overFloor = us / (floor.cpu / Math.max(1, combine(floor.runs).requests));
      console.log(
        `${tally.t.name.padEnd(16)} ${r.rps.toFixed(0).padStart(6)} req/s  ${us.toFixed(1).padStart(6)} µs CPU/req  ${overFloor.toFixed(2)}× proxy (slices ${spread(ratios)})  (${r.requests} requests, ${r.non2xx} non-2xx, ${r.errors} errors)`,
      );
      if (r.non2xx + r.errors > 0) console.log('WARNING: errors answered; the figures are not valid');
    }
  } finally {
    await Promise.all([...gateways.map((g) => stop(g.server)), stop(proxy), stop(upstream)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
