// `node bench/estimate-stall.ts [KB…]`: how long an estimate of an agent's prompt (the sweep's body of that size,
// 1024 KB by default) holds the event loop, counted blocking on the count worker (`countPromptTokens`, as billing
// counted before its estimates were awaited) and awaited (`calls/prompt-tokens.ts`), each in a fresh process: the first
// estimate, which starts the worker and loads the tokenizer, then a second of an unshared copy. The hold is the
// longest gap between 1 ms timer ticks while the estimate runs. ESTIMATE_ROUNDS (3) rounds, the two ways alternating.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { agentBody } from './agent-body.ts';
import { countPromptTokens } from '../src/calls/count-tokens.ts';
import { promptTokensLater } from '../src/calls/prompt-tokens.ts';
import type { ChatMessage } from '../src/providers/types.ts';

const HERE = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.env['ESTIMATE_ROUNDS'] ?? 3);
const WAYS = ['blocking', 'awaited'] as const;
type Way = (typeof WAYS)[number];

interface Measured {
  holdMs: number;
  wallMs: number;
  tokens: number;
}

/** The body's messages as the router holds them: text, and tool calls' names and arguments. */
function messagesOf(kb: number): ChatMessage[] {
  const body = JSON.parse(agentBody('openai', { bytes: kb * 1024 }, 'bench')) as {
    messages: {
      role: string;
      content: unknown;
      tool_calls?: { id: string; function: { name: string; arguments: string } }[];
    }[];
  };
  return body.messages.map((m) => ({
    role: m.role as ChatMessage['role'],
    content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''),
    ...(m.tool_calls ? { tool_calls: m.tool_calls.map((c) => ({ id: c.id, ...c.function })) } : {}),
  })) as ChatMessage[];
}

/** One estimate, and the longest the event loop went without a 1 ms tick meanwhile. */
async function measured(way: Way, messages: readonly ChatMessage[]): Promise<Measured> {
  let last = performance.now();
  let hold = 0;
  let done = false;
  const tick = (): void => {
    const now = performance.now();
    hold = Math.max(hold, now - last);
    last = now;
    if (!done) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const t0 = performance.now();
  const tokens =
    way === 'blocking' ? countPromptTokens(messages.map((m) => m.content ?? '')) : await promptTokensLater(messages);
  const wallMs = performance.now() - t0;
  // The tick after the estimate: a hold that ended with it is counted.
  await new Promise((r) => setTimeout(r, 2));
  done = true;
  return { holdMs: hold, wallMs, tokens };
}

async function child(way: Way, kb: number): Promise<void> {
  const first = await measured(way, messagesOf(kb));
  const again = await measured(way, messagesOf(kb));
  console.log(JSON.stringify({ first, again }));
  process.exit(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function parent(sizes: number[]): void {
  console.log(`| prompt | estimate | counted | loop held, first | loop held, after | wall, first | wall, after |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const kb of sizes) {
    const runs = new Map<Way, { first: Measured; again: Measured }[]>(WAYS.map((w) => [w, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const way of round % 2 === 0 ? WAYS : [...WAYS].reverse()) {
        const r = spawnSync(process.execPath, [HERE, '--child', way, String(kb)], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`the ${way} child failed: ${r.stderr}`);
        runs.get(way)!.push(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
      }
    for (const way of WAYS) {
      const rs = runs.get(way)!;
      const ms = (f: (m: { first: Measured; again: Measured }) => number): string =>
        `${median(rs.map(f)).toFixed(1)} ms (${Math.min(...rs.map(f)).toFixed(1)}–${Math.max(...rs.map(f)).toFixed(1)})`;
      console.log(
        `| ${kb} KB | ${way} | ${rs[0]!.first.tokens} tokens | ${ms((m) => m.first.holdMs)} | ${ms((m) => m.again.holdMs)} | ${ms((m) => m.first.wallMs)} | ${ms((m) => m.again.wallMs)} |`,
      );
    }
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Way, Number(process.argv[4]));
else parent(process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1024]);
