// `./dev node bench/soak.ts [seconds]` (`npm run soak`): checks the gateway's heap stays flat over a long, faulty,
// reloading run (bench/README.md, docs/performance.md#memory-what-to-expect). Not run by CI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type RequestSpec } from 'autocannon';
import { request } from 'undici';
import { serve, stop, type ServerUsage } from './server-process.ts';
import { soakConfigYaml } from './soak-setup.ts';
import { memoryParts, partsText, rssOf } from './proc-memory.ts';
import { gatewayProcess } from './gateway-process.ts';
import { TRIMMED_WITHIN_MS } from '../src/gateway/server/idle-trim.ts';

/** The run ends after this many requests (`SOAK_REQUESTS`, default a million) or `seconds`, whichever comes first. */
const REQUESTS = Number(process.env['SOAK_REQUESTS'] ?? 1_000_000);
const SECONDS = Number(process.argv[2] ?? process.env['SOAK_SECONDS'] ?? 3600);
/** How long the gateway is left idle after the load before its RSS is compared with the RSS before it: past its idle
 * trim, with a margin. */
const IDLE_SECONDS = Number(process.env['SOAK_IDLE_SECONDS'] ?? TRIMMED_WITHIN_MS / 1000 + 20);
const SAMPLE_SECONDS = 10;
/** Caches, pools and JIT code settle in the first stretch; growth is measured from the sample after it. */
const WARMUP_SECONDS = 20;
const CONNECTIONS = 16;
/** How often the config file is rewritten (`SOAK_EDIT_SECONDS`; 0: never). */
const EDIT_SECONDS = Number(process.env['SOAK_EDIT_SECONDS'] ?? 2);
/** A heap that grows less than this over the run (after the warm-up) counts as flat. */
const FLAT_BYTES = 2 * 1024 * 1024;
/** RSS under load counts as flat when the end is within this of the first half (collections move it ±10%). */
const RSS_FLAT_RATIO = 1.15;
/** RSS after the load and the idle time, against RSS before the load. */
const RSS_RETURN_RATIO = 1.5;

type Sample = Required<Omit<ServerUsage, 'young'>> & { young: number };

/** The gateway runs with --expose-gc, so every report carries its memory (rss here is after the collection). */
function memoryOf(u: ServerUsage): Sample {
  if (u.heapUsed === undefined || u.heapTotal === undefined || u.rss === undefined)
    throw new Error('the soak gateway must run with --expose-gc');
  return { cpuMicros: u.cpuMicros, heapUsed: u.heapUsed, heapTotal: u.heapTotal, rss: u.rss, young: u.young ?? 0 };
}

const messages = [{ role: 'user', content: 'Say hello in five words.' }];

/** The mix each connection cycles through: mostly good calls, a few of every kind of caller mistake. */
function requestMix(key: string): RequestSpec[] {
  const openai = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const anthropic = { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  const post = (path: string, headers: Record<string, string>, body: unknown): RequestSpec => ({
    method: 'POST',
    path,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return [
    post('/v1/chat/completions', openai, { model: 'main', messages }),
    post('/v1/chat/completions', openai, { model: 'main', messages, stream: true }),
    post('/v1/messages', anthropic, { model: 'main', max_tokens: 32, messages }),
    post('/v1/messages', anthropic, { model: 'claude/sim-large', max_tokens: 32, messages, stream: true }),
    post('/v1/chat/completions', openai, { model: 'title_generation', messages }),
    post('/v1/responses', openai, { model: 'main', instructions: 'Be brief.', input: 'Say hello in five words.' }),
    post('/v1/responses', openai, { model: 'claude/sim-large', input: messages, stream: true }),
    post('/v1/messages/count_tokens', anthropic, { model: 'main', messages }),
    post('/v1/chat/completions', openai, {
      model: 'mimo/sim-small',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    }),
    post('/v1/chat/completions', openai, {
      model: `no-such-model-${Math.random().toString(36).slice(2, 8)}`,
      messages,
    }),
    post(
      '/v1/chat/completions',
      { ...openai, authorization: 'Bearer sy-not-a-real-key-0000000000' },
      { model: 'main', messages },
    ),
    { method: 'GET', path: '/v1/models', headers: openai },
    // Last: fastify answers a body it cannot parse with `Connection: close` (the client may still be sending), and
    // autocannon then loses the request it had queued on that connection.
    post('/v1/chat/completions', openai, '{"model": "main", "messages": ['),
  ];
}

/** Callers that give up mid-call (before the answer, or halfway through a stream), one after another. */
async function hangUps(url: string, key: string, running: () => boolean): Promise<number> {
  let n = 0;
  while (running()) {
    const stream = n % 2 === 0;
    try {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'main', messages, stream }),
        signal: AbortSignal.timeout(1 + (n % 7)),
      });
      await res.body.text();
    } catch {
      // the point: we hung up
    }
    n++;
  }
  return n;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1).padStart(6);
}

interface Point {
  t: number;
  requests: number;
  /** RSS read from /proc before the collection the heap figure needs. */
  rss: number;
  usage: Sample;
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
  const sim = await serve(['sim']);
  const configPath = join(logDir, 'switchyard.yaml');
  const logPath = join(logDir, 'gateway.log');
  let edition = 0;
  writeFileSync(configPath, soakConfigYaml(sim.url, edition));
  const { flags: tried, env } = gatewayProcess('SOAK');
  const flags = ['--expose-gc', ...tried];
  const gateway = await serve(['soak-gateway', configPath, logPath], flags, env);
  const pid = gateway.child.pid ?? 0;
  const statuses = new Map<string, number>();
  let requests = 0;
  let editing: NodeJS.Timeout | undefined;
  try {
    await sleep(2000);
    const before = rssOf(pid);
    const beforeParts = memoryParts(pid);
    console.log(
      `soak: until ${REQUESTS} requests or ${SECONDS} s, ${CONNECTIONS} connections + hang-ups, then ${IDLE_SECONDS} s idle; node ${flags.join(' ')}${
        Object.keys(env).length > 0
          ? `, ${Object.entries(env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`,
    );
    console.log(`rss before the load: ${mb(before).trim()} MB (${partsText(beforeParts)})`);
    // The config is edited while requests flow: every reload swaps the router's config under load.
    if (EDIT_SECONDS > 0)
      editing = setInterval(() => writeFileSync(configPath, soakConfigYaml(sim.url, ++edition)), EDIT_SECONDS * 1000);
    const until = Date.now() + SECONDS * 1000;
    const running = (): boolean => Date.now() < until && requests < REQUESTS;
    const hungUp = hangUps(gateway.url, gateway.key ?? '', running);
    const samples: Point[] = [];
    const started = Date.now();
    // heap: what is still reachable after a full collection (a leak grows it); reserved: what V8 keeps for the heap,
    // which follows the allocation rate; rss: read from /proc before that collection.
    console.log('     t   requests  heap MB  reserved MB (young)   rss MB');
    while (running()) {
      const result = await autocannon({
        url: gateway.url,
        connections: CONNECTIONS,
        duration: Math.min(SAMPLE_SECONDS, Math.max(1, (until - Date.now()) / 1000)),
        requests: requestMix(gateway.key ?? ''),
      });
      requests += result.requests.total;
      for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
        statuses.set(code, (statuses.get(code) ?? 0) + stat.count);
      const rss = rssOf(pid);
      const usage = memoryOf(await gateway.usage());
      const t = (Date.now() - started) / 1000;
      samples.push({ t, requests, rss, usage });
      console.log(
        `${t.toFixed(0).padStart(6)} ${String(requests).padStart(10)} ${mb(usage.heapUsed)}       ${mb(usage.heapTotal)} (${mb(usage.young).trim()})   ${mb(rss)}${t < WARMUP_SECONDS ? '   (warm-up)' : ''}`,
      );
    }
    const hangUpCount = await hungUp;
    clearInterval(editing);
    const loaded = { rss: rssOf(pid), parts: memoryParts(pid) };
    console.log(
      `\nanswers by status: ${[...statuses]
        .sort()
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ')}; hang-ups: ${hangUpCount}`,
    );
    console.log(`config edits: ${edition}; ${logCounts(logPath)}`);
    console.log(`rss at the end of the load: ${mb(loaded.rss).trim()} MB (${partsText(loaded.parts)})`);
    // Idle: nothing but /proc reads, so the gateway's own idle behaviour is what is measured.
    for (let s = SAMPLE_SECONDS; s <= IDLE_SECONDS; s += SAMPLE_SECONDS) {
      await sleep(SAMPLE_SECONDS * 1000);
      console.log(`  idle ${String(s).padStart(3)} s: rss ${mb(rssOf(pid)).trim()} MB`);
    }
    const after = rssOf(pid);
    console.log(`rss after ${IDLE_SECONDS} s idle: ${mb(after).trim()} MB (${partsText(memoryParts(pid))})`);
    report(samples, before, after);
  } finally {
    clearInterval(editing);
    await Promise.all([stop(gateway), stop(sim)]);
    if (process.env['SOAK_KEEP_LOG']) console.log(`gateway log kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

/** Reloads and warnings, from the gateway's log: every edit should have been applied, and nothing refused. */
function logCounts(logPath: string): string {
  let reloaded = 0;
  let refused = 0;
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (line.includes('"msg":"config reloaded"')) reloaded++;
    else if (line.includes('"msg":"new config is invalid')) refused++;
  }
  return `reloads logged: ${reloaded}, configs refused: ${refused}`;
}

function report(samples: Point[], before: number, after: number): void {
  const measured = samples.filter((s) => s.t >= WARMUP_SECONDS);
  const first = measured[0];
  const last = measured.at(-1);
  if (!first || !last || first === last) {
    console.log(`too short to judge the load: run at least ${WARMUP_SECONDS + 2 * SAMPLE_SECONDS} s`);
  } else {
    // Least against least: collections vary a little and V8 drops ~5 MiB of start-up bytecode after the warm-up, so
    // a leak shows as the last three's least above the first half's.
    const firstHalf = measured.slice(0, Math.max(1, Math.floor(measured.length / 2)));
    const lastThree = measured.slice(-3);
    const least = (points: Point[], f: (p: Point) => number): number => Math.min(...points.map(f));
    const start = least(firstHalf, (p) => p.usage.heapUsed);
    const end = least(lastThree, (p) => p.usage.heapUsed);
    const growth = end - start;
    const counted = last.requests - first.requests;
    const perMillion = (growth / Math.max(1, counted)) * 1e6;
    console.log(
      `heap after GC: ${mb(start).trim()} MB in the first half → ${mb(end).trim()} MB at the end, ${counted} requests after the warm-up (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KiB, ${(perMillion / 1024).toFixed(0)} KiB per million requests)  (target: flat, < ${FLAT_BYTES / 1024 / 1024} MiB) ${growth < FLAT_BYTES ? 'PASS' : 'FAIL'}`,
    );
    // RSS follows the young generation, which V8 grows over the first minutes of a load: the end is compared with
    // the most the first half reached, so growth that goes on past it shows.
    const rssStart = Math.max(...firstHalf.map((p) => p.rss));
    const rssEnd = least(lastThree, (p) => p.rss);
    console.log(
      `rss under load: at most ${mb(rssStart).trim()} MB in the first half → ${mb(rssEnd).trim()} MB at the end (${(rssEnd / rssStart).toFixed(2)}×)  (target: flat, ≤ ${RSS_FLAT_RATIO}×) ${rssEnd <= rssStart * RSS_FLAT_RATIO ? 'PASS' : 'FAIL'}`,
    );
  }
  if (last !== undefined && last.requests < REQUESTS)
    console.log(`(${last.requests} requests of the ${REQUESTS} asked for: the time limit came first)`);
  console.log(
    `rss after the load and ${IDLE_SECONDS} s idle: ${mb(after).trim()} MB against ${mb(before).trim()} MB before it (${(after / before).toFixed(2)}×)  (target: ≤ ${RSS_RETURN_RATIO}×) ${after <= before * RSS_RETURN_RATIO ? 'PASS' : 'FAIL'}`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

await main();
