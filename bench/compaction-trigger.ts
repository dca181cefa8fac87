// `node bench/compaction-trigger.ts [DIR…]`: how long each turn of a Claude Code conversation with the compaction beta
// holds the gateway's event loop when the chain has a route that is not Anthropic's (the gateway then counts the
// conversation against the edit's trigger). A gateway in this process (the test harness, on the simulator: an
// Anthropic main route, an OpenAI fallback) is sent COMPACTION_TURNS (8) turns of the sweep's 1 MB Anthropic body with
// a `compact_20260112` edit (trigger 50,000), one at a time, each turn the last plus one message; it prints each
// turn's latency and the longest gap between 1 ms timer ticks during it. Each DIR (a checkout, with its node_modules)
// is run in a child process of its own, this checkout when none is given.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentBody } from './agent-body.ts';

const HERE = fileURLToPath(import.meta.url);
const TURNS = Number(process.env['COMPACTION_TURNS'] ?? 8);

interface Harness {
  url: string;
  key: string;
  close(): Promise<void>;
}

/** The longest the event loop went without its 1 ms tick since the last `reset`. */
function loopWatch(): { reset: () => void; held: () => number; stop: () => void } {
  let last = performance.now();
  let held = 0;
  let timer: NodeJS.Timeout;
  const tick = (): void => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    reset: () => {
      held = 0;
      last = performance.now();
    },
    held: () => held,
    stop: () => clearTimeout(timer),
  };
}

async function child(root: string): Promise<void> {
  const harness = (await import(join(root, 'test/gateway/harness.ts'))) as {
    startHarness: (o: unknown) => Promise<Harness>;
    simProvider: (url: string, type: string, key: string) => Record<string, unknown>;
    FAST_RETRY: Record<string, unknown>;
  };
  const ANT = 'sk-ant-compaction-bench-01';
  const OA = 'sk-oa-compaction-bench-001';
  const h = await harness.startHarness({
    scenario: { models: { 'sim-large': { context_window: 2_000_000 } }, keys: { [ANT]: {}, [OA]: {} } },
    config: (sim: string) => ({
      providers: { ant: harness.simProvider(sim, 'anthropic', ANT), oa: harness.simProvider(sim, 'openai', OA) },
      main: { provider: 'ant', model: 'sim-large' },
      fallback: [{ provider: 'oa', model: 'sim-large' }],
      retry: harness.FAST_RETRY,
    }),
  });
  const body = JSON.parse(agentBody('anthropic', { bytes: 1024 * 1024 }, 'main')) as Record<string, unknown> & {
    messages: unknown[];
  };
  body['context_management'] = {
    edits: [{ type: 'compact_20260112', trigger: { type: 'input_tokens', value: 50_000 } }],
  };
  body['max_tokens'] = 16;
  body['stream'] = false;
  const watch = loopWatch();
  const latency: number[] = [];
  const held: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    if (turn > 0) body.messages.push({ role: 'user', content: `turn ${turn}: go on` });
    const text = JSON.stringify(body);
    watch.reset();
    const t0 = performance.now();
    const res = await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': h.key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'compact-2026-01-12',
      },
      body: text,
    });
    const answer = await res.text();
    if (res.status !== 200) throw new Error(`turn ${turn} answered ${res.status}: ${answer.slice(0, 300)}`);
    latency.push(performance.now() - t0);
    held.push(watch.held());
  }
  watch.stop();
  await h.close();
  console.log(JSON.stringify({ latency, held }));
  process.exit(0);
}

function parent(roots: string[]): void {
  const ms = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(' ');
  for (const root of roots) {
    const r = spawnSync(process.execPath, [HERE, '--child', root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${root}: ${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { latency: number[]; held: number[] };
    console.log(`${root}\n  latency, ms:     ${ms(out.latency)}\n  loop held, ms:   ${ms(out.held)}`);
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
else parent(process.argv.length > 2 ? process.argv.slice(2) : [dirname(dirname(HERE))]);
