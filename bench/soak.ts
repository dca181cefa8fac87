// `./dev node bench/soak.ts [seconds]` (`npm run soak`): checks the gateway's heap stays flat over a long, faulty,
// reloading run (docs/gateway.md#memory-over-a-long-run). Not run by CI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type RequestSpec } from 'autocannon';
import { request } from 'undici';
import { serve, stop, type ServerUsage } from './server-process.ts';
import { soakConfigYaml } from './soak-setup.ts';

const SECONDS = Number(process.argv[2] ?? process.env['SOAK_SECONDS'] ?? 180);
const SAMPLE_SECONDS = 10;
/** Caches, pools and JIT code settle in the first stretch; growth is measured from the sample after it. */
const WARMUP_SECONDS = 20;
const CONNECTIONS = 16;
/** How often the config file is rewritten. */
const EDIT_SECONDS = 2;
/** A heap that grows less than this over the run (after the warm-up) counts as flat. */
const FLAT_BYTES = 2 * 1024 * 1024;

type Sample = Required<ServerUsage>;

/** The gateway runs with --expose-gc, so every report carries its memory. */
function memoryOf(u: ServerUsage): Sample {
  if (u.heapUsed === undefined || u.heapTotal === undefined || u.rss === undefined)
    throw new Error('the soak gateway must run with --expose-gc');
  return { cpuMicros: u.cpuMicros, heapUsed: u.heapUsed, heapTotal: u.heapTotal, rss: u.rss };
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
async function hangUps(url: string, key: string, until: number): Promise<number> {
  let n = 0;
  while (Date.now() < until) {
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

async function main(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
  const sim = await serve(['sim']);
  const configPath = join(logDir, 'switchyard.yaml');
  const logPath = join(logDir, 'gateway.log');
  let edition = 0;
  writeFileSync(configPath, soakConfigYaml(sim.url, edition));
  const gateway = await serve(['soak-gateway', configPath, logPath], ['--expose-gc']);
  const statuses = new Map<string, number>();
  let requests = 0;
  // The config is edited while requests flow: every reload swaps the router's config under load.
  const editing = setInterval(() => writeFileSync(configPath, soakConfigYaml(sim.url, ++edition)), EDIT_SECONDS * 1000);
  try {
    const until = Date.now() + SECONDS * 1000;
    const hungUp = hangUps(gateway.url, gateway.key ?? '', until);
    const samples: { t: number; requests: number; usage: Sample }[] = [];
    const started = Date.now();
    console.log(
      `soak: ${SECONDS} s, ${CONNECTIONS} connections + hang-ups; heap after a full GC every ${SAMPLE_SECONDS} s`,
    );
    // heap: what is still reachable after a full collection (a leak grows it); reserved: what V8 keeps for the heap,
    // which follows the allocation rate (the young generation grows to 32 MiB semi-spaces under load), as does rss.
    console.log('     t   requests  heap MB  reserved MB   rss MB');
    while (Date.now() < until) {
      const result = await autocannon({
        url: gateway.url,
        connections: CONNECTIONS,
        duration: Math.min(SAMPLE_SECONDS, Math.max(1, (until - Date.now()) / 1000)),
        requests: requestMix(gateway.key ?? ''),
      });
      requests += result.requests.total;
      for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
        statuses.set(code, (statuses.get(code) ?? 0) + stat.count);
      const usage = memoryOf(await gateway.usage());
      const t = (Date.now() - started) / 1000;
      samples.push({ t, requests, usage });
      console.log(
        `${t.toFixed(0).padStart(6)} ${String(requests).padStart(10)} ${mb(usage.heapUsed)}       ${mb(usage.heapTotal)}   ${mb(usage.rss)}${t < WARMUP_SECONDS ? '   (warm-up)' : ''}`,
      );
    }
    const hangUpCount = await hungUp;
    clearInterval(editing);
    console.log(
      `\nanswers by status: ${[...statuses]
        .sort()
        .map(([c, n]) => `${c}: ${n}`)
        .join(', ')}; hang-ups: ${hangUpCount}`,
    );
    console.log(`config edits: ${edition}; ${logCounts(logPath)}`);
    report(samples);
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

function report(samples: { t: number; requests: number; usage: Sample }[]): void {
  const measured = samples.filter((s) => s.t >= WARMUP_SECONDS);
  const first = measured[0];
  const last = measured.at(-1);
  if (!first || !last || first === last) {
    console.log(`too short to judge: run at least ${WARMUP_SECONDS + 2 * SAMPLE_SECONDS} s`);
    return;
  }
  // Least against least: collections vary a little and V8 drops ~5 MiB of start-up bytecode after the warm-up, so a
  // leak shows as the last three's least above the first half's.
  const firstHalf = measured.slice(0, Math.max(1, Math.floor(measured.length / 2)));
  const start = Math.min(...firstHalf.map((s) => s.usage.heapUsed));
  const end = Math.min(...measured.slice(-3).map((s) => s.usage.heapUsed));
  const growth = end - start;
  const perMillion = (growth / Math.max(1, last.requests - first.requests)) * 1e6;
  const verdict = growth < FLAT_BYTES ? 'PASS' : 'FAIL';
  console.log(
    `heap after GC: ${mb(start).trim()} MB in the first half → ${mb(end).trim()} MB at the end, ${last.requests - first.requests} requests after the warm-up (${growth >= 0 ? '+' : ''}${(growth / 1024).toFixed(0)} KiB, ${(perMillion / 1024).toFixed(0)} KiB per million requests)  (target: flat, < ${FLAT_BYTES / 1024 / 1024} MiB) ${verdict}`,
  );
}

await main();
