// bin/switchyard.js on a Node older than 22.18 re-runs the command under the Node that ./dev fetched. Signals sent
// to the process the user started must reach the real one (a script's `kill PID` left the simulator or gateway
// running, orphaned, with its port; `kill -HUP PID` killed the wrapper instead of reloading), and a signal sent to
// the whole process group, which reaches the real one twice, must act once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { CLI, REPO_ROOT } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { accepting } from '../helpers/net.ts';
import { HUNG_TEST_MS, until } from '../helpers/until.ts';

/** A Node on this machine too old to run the TypeScript sources, so that bin/switchyard.js re-runs itself. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    const [major = 0, minor = 0] = execFileSync(candidate, ['-p', 'process.versions.node'])
      .toString()
      .trim()
      .split('.')
      .map(Number);
    if (major < 22 || (major === 22 && minor < 18)) return candidate;
  }
  return undefined;
}

const OLD_NODE = olderNode();
const fetched = existsSync(join(REPO_ROOT, '.tools', 'node', 'bin', 'node'));
const skip =
  OLD_NODE === undefined
    ? 'no Node older than 22.18 on this machine: bin/switchyard.js runs commands itself, there is no re-run'
    : !fetched
      ? 'no .tools/node: ./dev has not fetched Node here'
      : false;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout + stderr. */
  waitFor: (pattern: RegExp) => Promise<RegExpExecArray>;
}

/** The CLI under the old Node, in its own process group (so a test can signal the group as a terminal does). */
function startOld(t: TestContext, args: string[], env: Record<string, string>): Started {
  const child = spawn(OLD_NODE ?? 'node', [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  const onData = (d: Buffer): void => {
    output += d.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(output);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', (l) => onData(Buffer.from(`${l}\n`)));
  createInterface({ input: child.stderr! }).on('line', (l) => onData(Buffer.from(`${l}\n`)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  t.after(() => {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern) => {
      const m = pattern.exec(output);
      return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}

/** `switchyard gateway` under the old Node, on any free port, with one provider at `baseUrl` and no client keys. */
function startOldGateway(t: TestContext, ws: ReturnType<typeof tempWorkspace>, baseUrl: string): Started {
  const config = ws.write(
    'switchyard.yaml',
    stringify({
      providers: { p: { type: 'openai', base_url: baseUrl, api_key: 'sk-rerun-upstream-0000' } },
      main: { provider: 'p', model: 'm' },
      gateway: { require_keys: false },
    }),
  );
  return startOld(t, ['gateway', '--listen', '127.0.0.1:0', '--config', config], {
    HOME: ws.dir,
    SWITCHYARD_HOME: ws.home,
    XDG_CONFIG_HOME: join(ws.dir, 'xdg'),
  });
}

test(
  'SIGTERM to the process the user started stops the simulator it re-ran, which says so and frees its port',
  { skip, timeout: HUNG_TEST_MS },
  async (t) => {
    const ws = tempWorkspace('switchyard-rerun-');
    t.after(() => ws.cleanup());
    const sim = startOld(
      t,
      [
        'sim',
        '--scenario',
        join(REPO_ROOT, 'test', 'sim', 'fixtures', 'basic.yaml'),
        '--listen',
        '127.0.0.1:0',
        '--quiet',
      ],
      { HOME: ws.dir, SWITCHYARD_HOME: ws.home },
    );
    const port = Number((await sim.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    sim.child.kill('SIGTERM');
    const { code } = await sim.exited;
    assert.equal(code, 0, sim.output());
    assert.match(sim.output(), /switchyard sim: stopped \(SIGTERM\)/);
    assert.equal(await accepting(port), false, 'the re-run simulator is gone, not orphaned');
  },
);

test(
  'the process the user started killed with SIGKILL (nothing to forward): the simulator it re-ran stops too',
  { skip, timeout: HUNG_TEST_MS },
  async (t) => {
    const ws = tempWorkspace('switchyard-rerun-kill-');
    t.after(() => ws.cleanup());
    const sim = startOld(
      t,
      [
        'sim',
        '--scenario',
        join(REPO_ROOT, 'test', 'sim', 'fixtures', 'basic.yaml'),
        '--listen',
        '127.0.0.1:0',
        '--quiet',
      ],
      { HOME: ws.dir, SWITCHYARD_HOME: ws.home },
    );
    const port = Number((await sim.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    sim.child.kill('SIGKILL');
    await sim.exited;
    await sim.waitFor(/switchyard sim: stopped \(SIGTERM\)/);
    await until('the re-run simulator to be gone, not orphaned', async () => !(await accepting(port)));
  },
);

test(
  'the process the user started killed with SIGKILL: the gateway it re-ran, which re-executed itself, drains and stops',
  { skip, timeout: HUNG_TEST_MS },
  async (t) => {
    const ws = tempWorkspace('switchyard-rerun-gw-kill-');
    t.after(() => ws.cleanup());
    // Nothing listens on port 9: no request is sent here.
    const gw = startOldGateway(t, ws, 'http://127.0.0.1:9/v1');
    const port = Number((await gw.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    gw.child.kill('SIGKILL');
    await gw.exited;
    await gw.waitFor(/gateway stopped/);
    await until('the re-run gateway to be gone, not orphaned', async () => !(await accepting(port)));
  },
);

test(
  'a gateway re-run under the fetched Node: SIGHUP to it reloads once; SIGTERM to its whole group drains once',
  { skip, timeout: HUNG_TEST_MS },
  async (t) => {
    const ws = tempWorkspace('switchyard-rerun-gw-');
    const sim = await startSimulator({
      scenario: { models: { m: {} }, keys: { 'sk-rerun-upstream-0000': { latency: '1500ms' } } },
    });
    t.after(async () => {
      await sim.close();
      ws.cleanup();
    });
    const gw = startOldGateway(t, ws, `${sim.url}/v1`);
    const url = (await gw.waitFor(/listening on (http:\/\/\S+)/))[1] ?? '';
    gw.child.kill('SIGHUP');
    await gw.waitFor(/config reloaded/);
    assert.equal(
      (await fetch(`${url}/healthz`)).status,
      200,
      'SIGHUP reloaded the gateway instead of killing the wrapper',
    );
    const inFlight = fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'slow one' }] }),
    });
    while (sim.calls('sk-rerun-upstream-0000') === 0) await new Promise((r) => setTimeout(r, 20));
    process.kill(-(gw.child.pid ?? 0), 'SIGTERM');
    assert.equal((await inFlight).status, 200, 'the in-flight request finished: the echo did not cut it');
    const { code } = await gw.exited;
    assert.equal(code, 0, gw.output());
    assert.equal(gw.output().match(/reloading config/g)?.length, 1, gw.output());
    assert.equal(gw.output().match(/draining in-flight requests/g)?.length, 1, gw.output());
    assert.doesNotMatch(gw.output(), /second signal/, 'the echo of a group signal is not a second signal');
  },
);
