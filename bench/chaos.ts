// `./dev node bench/chaos.ts [seconds] [kills] [--resume]` (`npm run chaos`): re-measures issue 21's chaos, bad-HTTP,
// race and crash figures against the real gateway on loopback (docs/performance.md#chaos-crashes-and-races), and how the
// streams ended; `--resume` (or CHAOS_RESUME=1) runs it with `streaming: { resume: true }`. Not run by CI.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import autocannon, { type RequestSpec } from 'autocannon';
import { serve, stop } from './server-process.ts';
import { soakConfigYaml } from './soak-setup.ts';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'switchyard.js');
const ARGS = process.argv.slice(2).filter((a) => a !== '--resume');
const SECONDS = Number(ARGS[0] ?? process.env['CHAOS_SECONDS'] ?? 20);
const KILLS = Number(ARGS[1] ?? process.env['CHAOS_KILLS'] ?? 20);
const RESUME = process.argv.includes('--resume') || process.env['CHAOS_RESUME'] === '1';
const LIMITED_KEY = 'sk-soak-limited-0003';
/** A 429 this long after the first 429 of its window was sent after the gateway knew the key was cooling. */
const GRACE_MS = [50, 250];
/** CLI processes in the race, and how many run at once. */
const RACERS = 20;
const RACE_PARALLEL = 10;

interface Gateway {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
  /** Log lines at error level or above, and "unexpected gateway error" lines, so far. */
  errorLines: () => number;
}

function startGateway(configPath: string, home: string): Promise<Gateway> {
  const child = spawn(
    process.execPath,
    [CLI, 'gateway', '--listen', '127.0.0.1:0', '--log-format', 'json', '--config', configPath],
    {
      env: { PATH: process.env['PATH'] ?? '', SWITCHYARD_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = 0;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (/"level":(50|60)/.test(line) || line.includes('unexpected gateway error')) errors++;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m?.[1]) resolve({ child, url: m[1], exited, errorLines: () => errors });
    });
    child.once('exit', (code, signal) => reject(new Error(`gateway exited before listening (${code ?? signal})`)));
  });
}

function createClientKey(configPath: string, home: string): string {
  const out = execFileSync(
    process.execPath,
    [CLI, 'gateway', 'keys', 'create', '--name', 'chaos', '--json', '--config', configPath],
    {
      env: { PATH: process.env['PATH'] ?? '', SWITCHYARD_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return (JSON.parse(out.toString()) as { key: string }).key;
}

interface Tally {
  statuses: Map<number, number>;
  /** 5xx by error code (or type), as the gateway answered them. */
  fivexx: Map<string, number>;
  /** 500s, `internal_error`, or a 5xx body not in our error shape. */
  unintended: number;
  /** Streams answered 200, by how they ended (streamEnd). */
  streams?: Map<string, number>;
}

/** How a 200 stream ended: whole (`[DONE]`, `message_stop`), with an error frame (after a resume, or not), or neither. */
function streamEnd(body: string): string {
  const failed = /^data: \{"error"/m.test(body) || /^event: error$/m.test(body);
  if (failed) return /already the resumed rest/.test(body) ? 'error after a resume' : 'error';
  if (/^data: \[DONE\]$/m.test(body) || /^event: message_stop$/m.test(body)) return 'finished';
  return 'no ending';
}

const messages = [{ role: 'user', content: 'Say hello in five words.' }];

/** Both APIs, streaming and not, the fallback route, and one body that is not JSON. */
function requestMix(key: string, tally: Tally): RequestSpec[] {
  const openai = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const anthropic = { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  const onResponse = (status: number, body: string): void => {
    tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
    if (status === 200 && body.startsWith('data: ') !== body.startsWith('event: ')) {
      const end = streamEnd(body);
      tally.streams?.set(end, (tally.streams.get(end) ?? 0) + 1);
    }
    if (status < 500) return;
    let code = 'not our error shape';
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; type?: string } };
      if (parsed.error) code = parsed.error.code ?? parsed.error.type ?? 'no code';
    } catch {
      // left as 'not our error shape'
    }
    tally.fivexx.set(`${status} ${code}`, (tally.fivexx.get(`${status} ${code}`) ?? 0) + 1);
    if (status === 500 || code === 'internal_error' || code === 'not our error shape') tally.unintended++;
  };
  const post = (path: string, headers: Record<string, string>, body: unknown): RequestSpec => ({
    method: 'POST',
    path,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    onResponse,
  });
  return [
    post('/v1/chat/completions', openai, { model: 'main', messages }),
    post('/v1/chat/completions', openai, { model: 'main', messages, stream: true }),
    post('/v1/messages', anthropic, { model: 'main', max_tokens: 32, messages }),
    post('/v1/messages', anthropic, { model: 'claude/sim-large', max_tokens: 32, messages, stream: true }),
    post('/v1/responses', openai, { model: 'main', input: 'Say hello in five words.' }),
    // Last: fastify closes the connection after a body it cannot parse.
    post('/v1/chat/completions', openai, '{"model": "main", "messages": ['),
  ];
}

interface CallRecord {
  at: number;
  outcome: string;
}

/** Collects the limited key's calls from the simulator's bounded log, polling often enough that none scroll out. */
function watchCalls(simUrl: string): { stop: () => Promise<CallRecord[]> } {
  const calls: CallRecord[] = [];
  let seen = 0;
  let running = true;
  const poll = async (): Promise<void> => {
    const res = await fetch(`${simUrl}/_sim/calls?key=${LIMITED_KEY}&log=1`);
    const view = (await res.json()) as { count: number; log: CallRecord[] };
    const fresh = view.count - seen;
    calls.push(...view.log.slice(Math.max(0, view.log.length - fresh)));
    seen = view.count;
  };
  const loop = (async () => {
    while (running) {
      await poll();
      await new Promise((r) => setTimeout(r, 500));
    }
    await poll();
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return calls;
    },
  };
}

/** 429s answered well after the first 429 of the same window: requests sent to a key known to be cooling. */
function freshPicks(calls: CallRecord[], graceMs: number): { picks: number; windows: number; limited: number } {
  let first: number | undefined;
  let picks = 0;
  let windows = 0;
  let limited = 0;
  for (const c of [...calls].sort((a, b) => a.at - b.at)) {
    if (c.outcome !== 'rate_limited') {
      first = undefined;
      continue;
    }
    limited++;
    if (first === undefined) {
      first = c.at;
      windows++;
      continue;
    }
    if (c.at - first > graceMs) picks++;
  }
  return { picks, windows, limited };
}

async function chaos(simUrl: string, configPath: string, home: string, key: string): Promise<void> {
  const gw = await startGateway(configPath, home);
  let crashed = 0;
  void gw.exited.then(() => crashed++);
  console.log('\n== chaos: gateway in front of the faulty simulator');
  console.log(
    'conns  requests  errors  statuses                              5xx (status code)                      unintended 5xx  crashes',
  );
  const watcher = watchCalls(simUrl);
  try {
    for (const connections of [32, 64]) {
      const tally: Tally = { statuses: new Map(), fivexx: new Map(), unintended: 0, streams: new Map() };
      const result = await autocannon({
        url: gw.url,
        connections,
        duration: SECONDS,
        requests: requestMix(key, tally),
      });
      const statuses = [...tally.statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}:${n}`)
        .join(' ');
      const fivexx =
        [...tally.fivexx]
          .sort()
          .map(([s, n]) => `${s}:${n}`)
          .join(', ') || '-';
      console.log(
        `${String(connections).padStart(5)}  ${String(result.requests.total).padStart(8)}  ${String(result.errors).padStart(6)}  ${statuses.padEnd(36)}  ${fivexx.padEnd(38)}  ${String(tally.unintended).padStart(14)}  ${crashed}`,
      );
      const ends = [...(tally.streams ?? [])].map(([e, n]) => `${e}: ${n}`).join(', ');
      console.log(`       streams answered 200 (streaming.resume ${RESUME ? 'on' : 'off'}): ${ends || 'none'}`);
    }
  } finally {
    const calls = await watcher.stop();
    const exitedAlready = gw.child.exitCode !== null || gw.child.signalCode !== null;
    if (!exitedAlready) gw.child.kill('SIGTERM');
    await gw.exited;
    console.log(`gateway error-level log lines: ${gw.errorLines()}; crashes: ${exitedAlready ? 1 : 0}`);
    for (const grace of GRACE_MS) {
      const { picks, windows, limited } = freshPicks(calls, grace);
      console.log(
        `${LIMITED_KEY}: ${calls.length} calls, ${limited} answered 429 in ${windows} rate-limit windows; 429s answered > ${grace} ms after the window's first 429 (fresh picks of a cooling key): ${picks}`,
      );
    }
  }
}

/** Raw requests a hostile or broken client sends; `KEY` is replaced by the client key. */
function badRequests(): string[] {
  const chat = (headers: string, body: string): string =>
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n${headers}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
  const json = 'Content-Type: application/json\r\n';
  const msg = (model: unknown, extra = ''): string =>
    `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":"hi"}]${extra}}`;
  const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
  return [
    chat(json, '{"model": "main", "messages": ['),
    chat(json, ''),
    chat(json, 'null'),
    chat(json, '[]'),
    chat(json, '"a string"'),
    chat(json, '{}'),
    chat(json, '{"model":"main"}'),
    chat(json, '{"model":"main","messages":"hi"}'),
    chat(json, '{"model":"main","messages":[{"role":"nobody","content":"hi"}]}'),
    chat(json, '{"model":"main","messages":[{"role":"user","content":{"x":1}}]}'),
    chat(json, msg(42)),
    chat(json, msg('m'.repeat(100_000))),
    chat(json, msg('main\u0000x')),
    chat(json, msg('__proto__')),
    chat(json, msg('constructor')),
    chat(json, msg('main', ',"__proto__":{"polluted":1}')),
    chat(json, msg('main', ',"max_tokens":-1')),
    chat(json, msg('main', ',"max_tokens":1e308')),
    chat(json, msg('main', ',"temperature":"hot"')),
    chat(json, msg('main', ',"stream":"yes"')),
    chat(json, msg('main', `,"tools":${deep(5_000)}`)),
    chat(json, deep(100_000)),
    chat(json, `{"model":"main","messages":[{"role":"user","content":"${'x'.repeat(3_000_000)}"}]}`),
    chat('Content-Type: text/plain\r\n', msg('main')),
    chat('Content-Type: application/x-www-form-urlencoded\r\n', 'model=main'),
    chat('', msg('main')),
    chat(`${json}Content-Encoding: gzip\r\n`, msg('main')),
    chat(json, '\u00ff\u00fe{not utf8'),
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n${json}Transfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n0\r\n\r\n`,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n${json}Content-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789`,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n${json}Content-Length: -5\r\n\r\n`,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\nBad Header\r\n\r\n`,
    `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\u0000\r\n\r\n`,
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\nContent-Length: 2\r\n\r\n{}',
    'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Zm9vOmJhcg==\r\nContent-Length: 2\r\n\r\n{}',
    'POST /v1/messages HTTP/1.1\r\nHost: x\r\nX-Api-Key: KEY\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"model":"main"',
    chat(json, '{"model":"main","input":5}').replace('/v1/chat/completions', '/v1/responses'),
    'GET /v1/%%%%/models HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /v1/models/%E0%A4%A HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n\r\n',
    `GET /${'a/'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GET /admin/credentials HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer KEY\r\n\r\n',
    'DELETE /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n',
    'BREW /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
    'GARBAGE\r\n\r\n',
    '\u0000\u0001\u0002\r\n\r\n',
  ];
}

/** Each bad request on its own connection: the first status line it gets back, or `closed` / `no answer`. */
function sendRaw(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let got = '';
    const done = (what: string): void => {
      socket.destroy();
      resolve(what);
    };
    const timer = setTimeout(() => done('no answer in 10 s'), 10_000);
    socket.on('error', () => undefined);
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      done('closed');
    });
    socket.write(Buffer.from(raw, 'latin1'), () => undefined);
  });
}

async function badHttp(configPath: string, home: string, key: string): Promise<void> {
  const gw = await startGateway(configPath, home);
  const cases = badRequests().map((r) => r.replaceAll('KEY', key));
  const answers = new Map<string, number>();
  let fivexx = 0;
  const notRefused: string[] = [];
  for (const [i, raw] of cases.entries()) {
    const status = await sendRaw(gw.url, raw);
    answers.set(status, (answers.get(status) ?? 0) + 1);
    if (status.startsWith('5')) fivexx++;
    // The request line and the end of the request, without the client key.
    const shown = `${raw.slice(0, raw.indexOf('\r\n'))} … ${raw.replaceAll(key, 'KEY').slice(-90)}`;
    if (!status.startsWith('4')) notRefused.push(`#${i + 1} ${JSON.stringify(shown)}: ${status}`);
  }
  const alive =
    gw.child.exitCode === null && gw.child.signalCode === null && (await fetch(`${gw.url}/healthz`)).status === 200;
  gw.child.kill('SIGTERM');
  await gw.exited;
  console.log(`\n== bad HTTP: ${cases.length} malformed requests over raw sockets`);
  console.log(
    `answers: ${[...answers]
      .sort()
      .map(([s, n]) => `${s}:${n}`)
      .join(' ')}; 5xx: ${fivexx}; gateway alive after: ${alive}; error-level log lines: ${gw.errorLines()}`,
  );
  for (const line of notRefused) console.log(`  not a 4xx: ${line}`);
}

function createKeyAsync(configPath: string, home: string, name: string): Promise<string | Error> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'gateway', 'keys', 'create', '--name', name, '--json', '--config', configPath],
      { env: { PATH: process.env['PATH'] ?? '', SWITCHYARD_HOME: home } },
      (err, stdout, stderr) => {
        if (err) resolve(new Error(`${name}: ${stderr.trim()}`));
        else resolve((JSON.parse(stdout) as { key: string }).key);
      },
    );
  });
}

async function race(configPath: string, home: string, key: string): Promise<void> {
  const gw = await startGateway(configPath, home);
  const tally: Tally = { statuses: new Map(), fivexx: new Map(), unintended: 0 };
  const load = autocannon({ url: gw.url, connections: 16, duration: 120, requests: requestMix(key, tally) });
  const results: (string | Error)[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < RACERS) results.push(await createKeyAsync(configPath, home, `race-${next++}`));
  };
  await Promise.all(Array.from({ length: RACE_PARALLEL }, worker));
  const created = results.filter((r): r is string => typeof r === 'string');
  const db = new DatabaseSync(join(home, 'state.db'), { readOnly: true });
  const stored = (db.prepare("SELECT count(*) AS n FROM gateway_keys WHERE name LIKE 'race-%'").get() as { n: number })
    .n;
  db.close();
  const accepted = async (k: string): Promise<boolean> => {
    const res = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${k}` } });
    await res.text();
    return res.status === 200;
  };
  // The gateway re-reads its keys every second, and on an unknown key at most every 200 ms: a refusal right after
  // creation is a delay, a refusal a second later is a lost key.
  const refusedAtFirst: string[] = [];
  for (const k of created) if (!(await accepted(k))) refusedAtFirst.push(k);
  await new Promise((r) => setTimeout(r, 1_100));
  let refused = 0;
  for (const k of refusedAtFirst) if (!(await accepted(k))) refused++;
  load.stop();
  await load;
  const alive = gw.child.exitCode === null && gw.child.signalCode === null;
  gw.child.kill('SIGTERM');
  await gw.exited;
  console.log(
    `\n== race: ${RACERS} \`gateway keys create\` (${RACE_PARALLEL} at once) while the gateway serves 16 connections`,
  );
  for (const r of results) if (r instanceof Error) console.log(`failed: ${r.message}`);
  console.log(
    `created: ${created.length}/${RACERS}; in state.db: ${stored}; refused by the running gateway at first: ${refusedAtFirst.length}, still 1.1 s later: ${refused}; lost updates: ${RACERS - stored + refused}; 5xx under load: ${tally.unintended}; gateway alive: ${alive}`,
  );
}

interface HealthRow {
  fingerprint: string;
  updated_at: number;
  seq: number;
}

function readHealth(dbPath: string): HealthRow[] {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return db.prepare('SELECT fingerprint, updated_at, seq FROM health').all() as unknown as HealthRow[];
  } finally {
    db.close();
  }
}

async function crash(configPath: string, home: string, key: string): Promise<void> {
  const dbPath = join(home, 'state.db');
  let corruptions = 0;
  let lost = 0;
  let older = 0;
  let rowsChecked = 0;
  let startFailures = 0;
  let kills = 0;
  const answers: Tally = { statuses: new Map(), fivexx: new Map(), unintended: 0 };
  console.log(`\n== crash: ${KILLS} × kill -9 mid-load, restarted on ${dbPath}`);
  for (let i = 0; i < KILLS; i++) {
    let gw: Gateway;
    try {
      gw = await startGateway(configPath, home);
    } catch (err) {
      startFailures++;
      console.log(`restart ${i + 1}: ${(err as Error).message}`);
      continue;
    }
    const load = autocannon({ url: gw.url, connections: 16, duration: 5, requests: requestMix(key, answers) });
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
    const before = readHealth(dbPath);
    gw.child.kill('SIGKILL');
    kills++;
    await gw.exited;
    load.stop();
    await load;
    let integrity: string;
    try {
      const db = new DatabaseSync(dbPath);
      integrity = (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
        .map((r) => r.integrity_check)
        .join('; ');
      db.close();
    } catch (err) {
      integrity = (err as Error).message;
    }
    if (integrity !== 'ok') {
      corruptions++;
      console.log(`kill ${i + 1}: integrity_check: ${integrity}`);
    }
    const after = new Map(readHealth(dbPath).map((r) => [r.fingerprint, r]));
    for (const row of before) {
      rowsChecked++;
      const now = after.get(row.fingerprint);
      if (!now) lost++;
      else if (now.seq < row.seq || now.updated_at < row.updated_at) older++;
    }
  }
  console.log(`kills: ${kills}, restarts that failed: ${startFailures}, integrity_check not ok: ${corruptions}`);
  console.log(`health rows read before a kill: ${rowsChecked}; missing after: ${lost}; older after: ${older}`);
  console.log(
    `answers between restarts: ${[...answers.statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}:${n}`)
      .join(' ')} (a 401 would mean the client key was lost); unintended 5xx: ${answers.unintended}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-chaos-'));
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const sim = await serve(['sim']);
  try {
    const configPath = join(dir, 'switchyard.yaml');
    writeFileSync(configPath, soakConfigYaml(sim.url, 0, RESUME ? 'streaming: { resume: true }\n' : ''), {
      mode: 0o600,
    });
    const key = createClientKey(configPath, home);
    console.log(`chaos: ${SECONDS} s at 32 and at 64 connections, then ${KILLS} kills; simulator ${sim.url}`);
    await chaos(sim.url, configPath, home, key);
    await badHttp(configPath, home, key);
    await race(configPath, home, key);
    await crash(configPath, home, key);
  } finally {
    await stop(sim);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
