// `node bench/side-by-side.bench.ts <checkout>`: this clone's `switchyard gateway` against another checkout's (a
// change's before, e.g. `git worktree add /tmp/before <commit>` with node_modules and .tools linked), both run from
// their sources as bench/cli-gateway.ts starts them, on the sweep's agent bodies (bench/agent-body.ts), same shape and
// across shapes. Each round loads every body and route on both at c32 for BENCH_SECONDS, alternating which goes first;
// CPU per request is read from /proc. Prints, per body and route, each one's median and the median (and range) of the
// rounds' this/that ratios: a change's own effect, on one machine in one run, with less of its drift than two sweeps.
// BENCH_ROUNDS (8), BENCH_SECONDS (2), BENCH_SIZES (KB, 0 is five words; default 0,20,200), BENCH_WARMUP_SECONDS (3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { agentBody, BODY_SIZES, type BodyShape, type BodySize } from './agent-body.ts';
import { benchGatewayConfig, startCliGateway, stopCliGateway, type CliGateway } from './cli-gateway.ts';
import { median, load } from './load.ts';
import { cpuMicrosOf } from './proc-memory.ts';
import { serve, stop } from './server-process.ts';

const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 8));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 2);
const WARMUP_SECONDS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 3);
const SIZES = (process.env['BENCH_SIZES'] ?? '0,20,200').split(',').map(Number);
const ROUTES: readonly [client: BodyShape, upstream: BodyShape][] = [
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['anthropic', 'openai'],
  ['openai', 'anthropic'],
];

interface Side {
  name: string;
  g: CliGateway;
}

/** CPU µs per request of one load of `body` on `side`; throws when any answer was not a 2xx (the figure would lie). */
async function measure(side: Side, client: BodyShape, body: string, seconds: number): Promise<number> {
  const key = side.g.key ?? '';
  const headers: Record<string, string> =
    client === 'openai' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  const pid = side.g.child.pid ?? 0;
  const before = cpuMicrosOf(pid);
  const r = await load(
    {
      name: side.name,
      url: side.g.url,
      headers,
      path: client === 'openai' ? '/v1/chat/completions' : '/v1/messages',
      body,
    },
    32,
    seconds,
  );
  if (r.non2xx + r.errors > 0) throw new Error(`${side.name}: ${r.non2xx} non-2xx and ${r.errors} errors answered`);
  return (cpuMicrosOf(pid) - before) / Math.max(1, r.requests);
}

async function main(): Promise<void> {
  const other = process.argv[2];
  if (other === undefined) {
    console.error('usage: node bench/side-by-side.bench.ts <another checkout>');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-side-by-side-'));
  const upstream = await serve(['upstream']);
  const config = benchGatewayConfig(upstream.url);
  const sides: Side[] = [
    { name: 'this', g: await startCliGateway({ dir: join(dir, 'this'), config, clientKey: true }) },
    {
      name: basename(other),
      g: await startCliGateway({ dir: join(dir, 'that'), root: resolve(other), config, clientKey: true }),
    },
  ];
  try {
    const sizes = BODY_SIZES.filter((s) => SIZES.includes(s.bytes / 1024));
    const cases = sizes.flatMap((size: BodySize) =>
      ROUTES.map(([client, to]) => ({
        name: `${size.name.padEnd(7)} ${client}→${to}`,
        client,
        body: agentBody(client, size, to === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench'),
      })),
    );
    console.log(
      `this against ${basename(other)}: ${ROUNDS} rounds of ${SECONDS} s at c32 per body and route, alternating which goes first`,
    );
    for (const c of cases) for (const side of sides) await measure(side, c.client, c.body, WARMUP_SECONDS);
    const perCase = cases.map(() => ({ mine: [] as number[], theirs: [] as number[] }));
    for (let round = 0; round < ROUNDS; round++)
      for (const [i, c] of cases.entries()) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        const us = new Map<string, number>();
        for (const side of order) us.set(side.name, await measure(side, c.client, c.body, SECONDS));
        perCase[i]!.mine.push(us.get('this')!);
        perCase[i]!.theirs.push(us.get(sides[1]!.name)!);
      }
    console.log(
      `\n| body and route | this, µs CPU/request | ${basename(other)} | this / that (median of rounds, range) |`,
    );
    console.log('|---|---|---|---|');
    for (const [i, c] of cases.entries()) {
      const { mine, theirs } = perCase[i]!;
      const ratios = mine.map((m, r) => m / theirs[r]!);
      console.log(
        `| ${c.name} | ${median(mine).toFixed(0)} | ${median(theirs).toFixed(0)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
      );
    }
  } finally {
    await Promise.all(sides.map((s) => stopCliGateway(s.g)));
    await stop(upstream);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
