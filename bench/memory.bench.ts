// `npm run bench:memory`: the gateway's RSS at a given concurrency, for docs/performance.md#memory-what-to-expect. For each
// C, a fresh gateway process (the allocator settings and V8 flags `switchyard gateway` starts with) in front of the
// fixed fake upstream: RSS after start, the highest RSS under C connections, and RSS once it has been idle a while,
// each split by who holds it, with PASS/FAIL at C=32 against issue 42's ≤ 2× idle. BENCH_NODE_FLAGS and BENCH_ENV try
// other settings (bench/gateway-process.ts). Not run by CI.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './load.ts';
import { serve, stop } from './server-process.ts';
import { growthText, memoryParts, mib, partsText, rssOf } from './proc-memory.ts';
import { gatewayProcess } from './gateway-process.ts';
import { TRIMMED_WITHIN_MS } from '../src/gateway/server/idle-trim.ts';

const LEVELS = (process.env['BENCH_CONNECTIONS'] ?? '1,32,256').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
/** Past the gateway's idle trim, with a margin. */
const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? TRIMMED_WITHIN_MS / 1000 + 5);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-memory-'));
  const upstream = await serve(['upstream']);
  try {
    console.log(`RSS of one gateway process, ${SECONDS} s of load at each concurrency, then ${IDLE_SECONDS} s idle`);
    const { flags, env } = gatewayProcess('BENCH');
    if (flags.length > 0 || process.env['BENCH_ENV'] !== undefined)
      console.log(
        `node ${flags.join(' ')}; ${Object.entries(env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    for (const c of LEVELS) {
      const gateway = await serve(['gateway', upstream.url, join(dir, `gateway-${c}.log`)], flags, env);
      const pid = gateway.child.pid ?? 0;
      await sleep(2000);
      const start = rssOf(pid);
      const startParts = memoryParts(pid);
      let peak = start;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 500);
      const r = await load(
        { name: 'gateway', url: gateway.url, headers: { authorization: `Bearer ${gateway.key ?? ''}` } },
        c,
        SECONDS,
      );
      clearInterval(sampler);
      const end = rssOf(pid);
      const loaded = memoryParts(pid);
      await sleep(IDLE_SECONDS * 1000);
      const idle = rssOf(pid);
      console.log(
        `C=${String(c).padEnd(4)} ${r.rps.toFixed(0).padStart(6)} req/s   rss: ${mib(start)} MiB at start, ${mib(peak)} MiB at most under load (${partsText(loaded)}), ${mib(idle)} MiB after ${IDLE_SECONDS} s idle`,
      );
      console.log(`       at start: ${partsText(startParts)}; the load added ${growthText(startParts, loaded)} MiB`);
      // Issue #42's target: RSS after a sustained c32 load, no collection forced, within 2× of idle RSS.
      if (c === 32)
        console.log(
          `       RSS at the end of the load / at start: ${(end / start).toFixed(2)}× (≤ 2× after 60 s: ${SECONDS} s here) ${end / start <= 2 ? 'PASS' : 'FAIL'}`,
        );
      await stop(gateway);
    }
  } finally {
    await stop(upstream);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
