// `switchyard gateway --workers 2` as a real process tree on one port: a key one worker found rate-limited is skipped
// by the other (shared through the SQLite state file), a worker killed is started again and says so, SIGHUP reloads
// every worker, SIGTERM drains them all, the log on stderr stays whole JSON lines, and a key command's token is minted
// once for both workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { sharedStateProblem, workerCount } from '../../src/gateway/server/workers.ts';
import { HEAP_SIZINGS } from '../../src/gateway/server/process-memory.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { runCli } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../helpers/token-script.ts';
import { ADMIN_KEY, FAST_RETRY, simProvider } from './harness.ts';

const COOLED = 'sk-sim-workers-cooled-01';
const GOOD = 'sk-sim-workers-good-0002';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a connection of its own: the cluster's primary hands each new connection to the next worker. */
function fresh(url: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent: false,
        headers: { connection: 'close', 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const chat = (url: string) =>
  fresh(url, '/v1/chat/completions', { model: 'main', messages: [{ role: 'user', content: 'hi' }] });

async function firstKeyState(url: string): Promise<string | undefined> {
  const res = await fresh(url, '/admin/credentials', undefined, { authorization: `Bearer ${ADMIN_KEY}` });
  const body = JSON.parse(res.body) as { providers: { p: { state: string }[] } };
  return body.providers.p[0]?.state;
}

type Line = Record<string, unknown> & { pid: number; msg: string };

/** Every complete line so far, each of which must be JSON (a line still arriving is left for the next look). */
function lines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as Line);
}

const NOT_LINUX = process.platform === 'linux' ? false : 'reads /proc; the allocator settings are for Linux (glibc)';

test(
  'gateway --workers 2: a key cooled by one worker is skipped by the other; a dead worker is replaced; SIGHUP and SIGTERM reach every worker',
  { skip: NOT_LINUX },
  async (t) => {
    await using sim = await startSimulator({
      scenario: { models: { 'sim-large': {} }, keys: { [COOLED]: { rate_limit_after: 0, reset: '1h' }, [GOOD]: {} } },
    });
    using ws = tempWorkspace('switchyard-workers-');
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        providers: { p: simProvider(sim.url, 'openai', [COOLED, GOOD]) },
        main: { provider: 'p', model: 'sim-large' },
        retry: FAST_RETRY,
        gateway: { require_keys: false, admin_key: '${SWITCHYARD_ADMIN_KEY}' },
      }),
    );
    // Three processes start, and one more later: on a loaded machine that takes a while.
    await using gw = await spawnGateway(
      t,
      ['--config', configPath, '--workers', '2'],
      { SWITCHYARD_HOME: ws.home, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_GATEWAY_HEAP: 'lean' },
      undefined,
    );
    assert.match(gw.stdout(), /listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/);
    // The process started (the same pid, replaced by bin/switchyard.js) and its workers run with the allocator settings
    // and the lean heap's V8 flags it was asked for.
    const one = lines(gw.stderr()).find((l) => l.msg === 'gateway worker 1 listening');
    for (const pid of [gw.child.pid, one?.pid]) {
      assert.match(readFileSync(`/proc/${pid}/environ`, 'utf8'), /(^|\0)MALLOC_ARENA_MAX=2\0/);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      for (const flag of HEAP_SIZINGS.lean.flags) assert.ok(argv.includes(flag), `${flag} in ${argv.join(' ')}`);
    }

    // One worker meets the 429 and moves on to the second key.
    const first = await chat(gw.url);
    assert.equal(first.status, 200, first.body);
    assert.equal(first.headers['x-switchyard-attempts'], '2');
    assert.equal(sim.calls(COOLED), 1);

    // Both workers learn of the cooldown through the state file (SPEC: within a second): four answers in a row on fresh
    // connections, two from each worker, say it is cooling.
    await until(
      'every worker to see the cooldown',
      async () => {
        for (let i = 0; i < 4; i++) if ((await firstKeyState(gw.url)) !== 'cooling') return false;
        return true;
      },
      30_000,
    );
    for (let i = 0; i < 6; i++) {
      const res = await chat(gw.url);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.headers['x-switchyard-attempts'], '1', 'the cooled key is not tried again');
    }
    assert.equal(sim.calls(COOLED), 1, 'no worker sent the cooled key another request');
    // Request lines are written in batches, up to 250 ms late.
    const servedBy = () => new Set(lines(gw.stderr()).flatMap((l) => (l['route'] !== undefined ? [l.pid] : [])));
    await until('request lines from both workers', () => servedBy().size === 2, 30_000);

    // A worker killed outright is replaced, and the log says so; its replacement starts from the shared state.
    const two = lines(gw.stderr()).find((l) => l.msg === 'gateway worker 2 listening');
    assert.ok(two, gw.stderr());
    process.kill(two.pid, 'SIGKILL');
    await until(
      'the primary to replace worker 2',
      () => gw.stderr().includes('gateway worker 2 started again'),
      60_000,
    );
    assert.match(gw.stderr(), /gateway worker 2 \(pid \d+\) stopped \(signal SIGKILL\); starting another/);
    for (let i = 0; i < 4; i++) assert.equal((await chat(gw.url)).headers['x-switchyard-attempts'], '1');
    assert.equal(sim.calls(COOLED), 1);

    // SIGHUP to the primary reloads every worker.
    gw.child.kill('SIGHUP');
    await until(
      'both workers to reload',
      () => lines(gw.stderr()).filter((l) => l.msg === 'config reloaded').length === 2,
      30_000,
    );

    // SIGTERM drains every worker, then the primary exits 0; every line on stderr was whole.
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exited, 0, gw.stderr());
    const all = lines(gw.stderr());
    assert.equal(all.filter((l) => l.msg === 'gateway stopped').length, 3, 'two workers and the primary stopped');
  },
);

test(
  'gateway --workers 2 with an api_key_command: one worker runs it, the other uses the token it minted',
  { skip: NOT_LINUX },
  async (t) => {
    await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [GOOD]: {} } } });
    using ws = tempWorkspace('switchyard-workers-minted-');
    const script = writeTokenScript(`${ws.dir}/token.json`, [GOOD]);
    const configPath = ws.write(
      'switchyard.yaml',
      stringify({
        providers: {
          p: {
            type: 'openai',
            base_url: `${sim.url}/v1`,
            key_env: 'UNUSED',
            api_key_command: tokenCommand(script),
            mint_wait: '60s',
          },
        },
        main: { provider: 'p', model: 'sim-large' },
        retry: FAST_RETRY,
        gateway: { require_keys: false },
      }),
    );
    await using gw = await spawnGateway(
      t,
      ['--config', configPath, '--workers', '2'],
      { SWITCHYARD_HOME: ws.home },
      undefined,
    );
    // Both workers need a token at once: on fresh connections, the primary hands them out in turn.
    const answers = await Promise.all([1, 2, 3, 4].map(() => chat(gw.url)));
    for (const a of answers) assert.equal(a.status, 200, a.body);
    const servedBy = () => new Set(lines(gw.stderr()).flatMap((l) => (l['route'] !== undefined ? [l.pid] : [])));
    await until('request lines from both workers', () => servedBy().size === 2, 30_000);
    assert.equal(tokenScriptRuns(script), 1, 'the command ran once for both workers');
    assert.equal(sim.calls(GOOD), 4);
  },
);

test('gateway --workers 2 on a port already taken: the error once, the exit code, nothing left running', async () => {
  await using sim = await startSimulator({ scenario: { models: { 'sim-large': {} }, keys: { [GOOD]: {} } } });
  using ws = tempWorkspace('switchyard-workers-taken-');
  const configPath = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { p: simProvider(sim.url, 'openai', GOOD) },
      main: { provider: 'p', model: 'sim-large' },
      gateway: { require_keys: false },
    }),
  );
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = taken.address() as AddressInfo;
    const r = await runCli(['gateway', '--config', configPath, '--workers', '2', '--listen', `127.0.0.1:${port}`], {
      env: { SWITCHYARD_HOME: ws.home },
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('the address is already in use').length - 1, 1, r.stderr);
  } finally {
    taken.close();
  }
});

test('--workers: a count from 1 up, or auto; a store private to one process is refused', () => {
  assert.equal(workerCount('3', '--workers'), 3);
  assert.ok(workerCount('auto', '--workers') >= 1);
  assert.throws(() => workerCount('0', '--workers'), /--workers: expected a number of workers from 1 to 256/);
  assert.throws(() => workerCount('two', 'gateway.workers'), /gateway\.workers: expected/);
  assert.equal(sharedStateProblem('sqlite'), undefined);
  assert.equal(sharedStateProblem('redis://127.0.0.1:6379/0'), undefined);
  assert.equal(sharedStateProblem('redis+cluster://127.0.0.1:7000,127.0.0.1:7001'), undefined);
  assert.equal(sharedStateProblem('rediss+sentinel://127.0.0.1:26379/m'), undefined);
  assert.match(sharedStateProblem('memory') ?? '', /private to one process, so each worker would keep its own/);
});
