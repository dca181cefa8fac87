// `[PROFILE_BODY_KB=200] [PROFILE_CHUNKS=5] node bench/profile.ts [seconds] [connections] [gateway|proxy|floor|stream] [openai|anthropic] [openai|anthropic]`:
// (the caller's shape and the upstream's, for requests as for streams)
// runs the gateway under load in its own process with `--cpu-prof`, then prints where its CPU time went (self time by
// function and by file). `stream` holds `connections` streams (client shape, then upstream shape) instead of
// request/response load, each request an agent's body of PROFILE_BODY_KB when given. For finding hot spots; the numbers to compare come from `npm run bench` and `bench:stream`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { load, type LoadTarget } from './load.ts';
import { runStreams, shapedStreamJob } from './stream-load.ts';
import { agentBody } from './agent-body.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.argv[2] ?? 8);
const CONNECTIONS = Number(process.argv[3] ?? 32);
/** `gateway` (default), or `proxy` or `floor`, to compare against a baseline's profile. */
const ROLE = process.argv[4] ?? 'gateway';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function start(
  args: string[],
  nodeArgs: string[] = [],
): Promise<{ kill(): Promise<void>; info: { url: string; key?: string } }> {
  const child = spawn(process.execPath, [...nodeArgs, join(HERE, 'serve.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve) => {
    lines.once('line', (line) => {
      resolve({
        info: JSON.parse(line) as { url: string; key?: string },
        kill: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

function frameName(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber + 1}`;
}

/** Inclusive time of our own functions, which says which of our steps causes a cost that self time spreads over
 * library frames. Async functions count only up to each await (bench/README.md). */
function inclusiveOwn(profile: { nodes: ProfileNode[] }, total: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<string, number>();
  const onStack = new Set<string>();
  const walk = (id: number): number => {
    const n = byId.get(id);
    if (!n) return 0;
    const name = frameName(n);
    const outermost = !onStack.has(name);
    if (outermost) onStack.add(name);
    let hits = n.hitCount ?? 0;
    for (const c of n.children ?? []) hits += walk(c);
    if (outermost) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + hits);
    }
    return hits;
  };
  const root = profile.nodes[0];
  if (root) walk(root.id);
  return [...inclusive]
    .filter(([name]) => name.includes(' src/'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 30)
    .map(([name, h]) => `${((100 * h) / total).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
}

function summarize(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/');
    const fn = frameName(n);
    byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
    const f = url.startsWith('node_modules/') ? url.split('/').slice(0, 2).join('/') : url || n.callFrame.functionName;
    byFile.set(f, (byFile.get(f) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, h]) => `${((100 * h) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  console.log(
    `--- self time by function (${total} samples)\n${top(byFn, 45)}\n--- by file/package\n${top(byFile, 35)}`,
  );
  console.log(`--- inclusive time of our own functions (self + what they call)\n${inclusiveOwn(profile, total)}`);
}

/** Chunks per stream (PROFILE_CHUNKS): fewer weigh the request side of a stream more. */
const CHUNKS = Number(process.env['PROFILE_CHUNKS'] ?? 100);

/** `connections` streams at a time through the gateway, 20 ms apart, in rounds until SECONDS have passed. */
async function profileStreams(upstreamUrl: string, gw: { url: string; key?: string }): Promise<void> {
  const client = process.argv[5] === 'anthropic' ? 'anthropic' : 'openai';
  const upstreamShape = process.argv[6] === 'anthropic' ? 'anthropic' : 'openai';
  await fetch(`${upstreamUrl}/bench/stream`, {
    method: 'POST',
    body: JSON.stringify({ chunks: CHUNKS, intervalMs: 20, firstMs: 20 }),
  });
  const model = upstreamShape === 'openai' ? 'bench/bench-model' : 'bench_anthropic/claude-bench';
  const agentBytes = bodyKb * 1024;
  const job = shapedStreamJob(client, gw, model, { streams: CONNECTIONS, rampMs: 100, agentBytes });
  const until = Date.now() + SECONDS * 1000;
  let done = 0;
  while (Date.now() < until) done += (await runStreams(job)).completed;
  console.log(`${done} streams of ${CHUNKS} chunks, ${client} client, ${upstreamShape} upstream`);
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-prof-'));
const upstream = await start(['upstream']);
const args =
  ROLE === 'proxy' || ROLE === 'floor'
    ? [ROLE, upstream.info.url]
    : // With an upstream shape named, the gateway that has both (bench/serve-switchyard.ts).
      [
        ROLE === 'stream' || process.argv[6] !== undefined ? 'stream-gateway' : 'gateway',
        upstream.info.url,
        join(dir, 'gateway.log'),
      ];
// PROFILE_BODY_KB: an agent-shaped OpenAI body of about that size (agent-body.ts) instead of five words.
const bodyKb = Number(process.env['PROFILE_BODY_KB'] ?? 0);
// PROFILE_INTERVAL_US: a finer sampling interval than V8's 1000 µs, for more samples per request.
const interval = process.env['PROFILE_INTERVAL_US'];
const profFlags = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(interval ? [`--cpu-prof-interval=${interval}`] : [])];
const gateway = await start(args, profFlags);
if (ROLE === 'stream') await profileStreams(upstream.info.url, gateway.info);
else {
  // The caller's shape and the upstream's (argv 5 and 6) as for streams; an OpenAI caller of `main` by default.
  const client = process.argv[5] === 'anthropic' ? 'anthropic' : 'openai';
  const upstreamShape = process.argv[6];
  const model =
    upstreamShape === undefined
      ? 'main'
      : upstreamShape === 'anthropic'
        ? 'bench_anthropic/claude-bench'
        : 'bench/bench-model';
  const key = gateway.info.key ?? '';
  const target: LoadTarget = {
    name: ROLE,
    url: gateway.info.url,
    headers:
      client === 'openai'
        ? { authorization: `Bearer ${key}` }
        : { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    ...(client === 'anthropic' ? { path: '/v1/messages' } : {}),
    ...(bodyKb > 0 || client === 'anthropic' ? { body: agentBody(client, { bytes: bodyKb * 1024 }, model) } : {}),
  };
  await load(target, 8, 2);
  const r = await load(target, CONNECTIONS, SECONDS);
  console.log(`${r.rps.toFixed(0)} req/s, median ${r.medianMs.toFixed(3)} ms, ${r.non2xx} non-2xx`);
}
await gateway.kill();
await upstream.kill();
const prof = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (prof) summarize(join(dir, prof));
else console.log('no profile written');
if (process.env['KEEP_PROFILE']) console.log(`profile kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
