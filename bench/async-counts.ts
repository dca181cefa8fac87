// `node bench/async-counts.ts [proxy]`: how many promises a non-streamed request makes in the gateway (or the buffered
// proxy), and how many timers, immediates and ticks it schedules (not run by CI). Each is a small cost; the count,
// unlike a CPU figure, is the same on a busy machine, so it tells whether a change to the request path took away an
// async layer. The server (bench/serve.ts gateway-ledger: the ledger, the line, the metrics; or proxy) runs with
// async-count-hook.ts imported; after WARM (3000) requests at c8, REQUESTS (2000) more are counted. BENCH_BODY_KB
// sends an agent's OpenAI body of that size instead of five words; BENCH_SITES=1 also lists the promises by the frames
// that made them (bench/README.md, "Promises a request").
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentBody } from './agent-body.ts';
import type { AsyncCounts } from './async-count-hook.ts';
import { load } from './load.ts';
import { serve, stop, type Served } from './server-process.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const WARM = Number(process.env['WARM'] ?? 3000);
const REQUESTS = Number(process.env['REQUESTS'] ?? 2000);
const BODY_KB = Number(process.env['BENCH_BODY_KB'] ?? 0);
const SITES = process.env['BENCH_SITES'] === '1';
/** Sites listed, most promises first. */
const TOP_SITES = 25;
const BODY = agentBody('openai', { bytes: BODY_KB * 1024 }, 'main');
const PROXY = process.argv[2] === 'proxy';

/** `amount` requests at c8, every answer waited for (load.ts): a hang-up would take other paths. */
async function requests(g: Served, amount: number): Promise<number> {
  const r = await load(
    { name: 'counted', url: g.url, headers: { authorization: `Bearer ${g.key ?? ''}` }, body: BODY },
    8,
    0,
    amount,
  );
  if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx + r.errors} requests failed`);
  return r.times.length;
}

/** The counts so far: the gateway's SIGUSR2 makes the hook write them before serve.ts answers with its usage. */
async function report(g: Served, file: string): Promise<AsyncCounts> {
  await g.usage();
  return JSON.parse(readFileSync(file, 'utf8')) as AsyncCounts;
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-async-counts-'));
const file = join(dir, 'counts.json');
const up = await serve(['upstream']);
let gateway: Served | undefined;
try {
  gateway = await serve(
    PROXY ? ['proxy', up.url] : ['gateway-ledger', up.url, join(dir, 'gateway.log')],
    ['--import', join(HERE, 'async-count-hook.ts')],
    { ASYNC_COUNTS_FILE: file, ASYNC_COUNTS_SITES: SITES ? '1' : '0' },
  );
  await requests(gateway, WARM);
  const before = await report(gateway, file);
  const n = await requests(gateway, REQUESTS);
  const after = await report(gateway, file);
  const per = (k: Exclude<keyof AsyncCounts, 'sites'>): string => ((after[k] - before[k]) / n).toFixed(2);
  console.log(
    `${PROXY ? 'buffered proxy' : 'gateway'}, ${BODY_KB > 0 ? `${BODY_KB} KB` : 'five words'}, ${n} requests at c8, per request: promises ${per('promises')}, ` +
      `timers ${per('timeouts')} set and ${per('cleared')} cleared, immediates ${per('immediates')}, ` +
      `ticks ${per('ticks')}`,
  );
  if (SITES) {
    const sites = after.sites.sort((a, b) => b[1] - a[1]).slice(0, TOP_SITES);
    for (const [site, count] of sites) console.log(`  ${(count / n).toFixed(2)}  ${site}`);
  }
} finally {
  if (gateway !== undefined) await stop(gateway);
  await stop(up);
  rmSync(dir, { recursive: true, force: true });
}
