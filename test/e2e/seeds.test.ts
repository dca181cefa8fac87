// The four seed reports, end to end: a real config file and .env on disk (loadConfig), a real SQLite state store
// in a temp SWITCHYARD_HOME, the simulator over loopback, and the library's chat(). Assertions are on the
// simulator's call counts and on what the caller gets back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { createLogger } from '../../src/log.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import { createSwitchyard, type Switchyard } from '../../src/library/switchyard.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/scenario.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import { closedPort } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const hello = [{ role: 'user' as const, content: 'Why does title generation fail?' }];
const RETRY = 'retry: { max_retries: 2, auth_retries: 2, base_delay: 2ms, max_delay: 10ms, max_wait: 20ms }\n';

/** `await using w = await world(…)` closes it when the test's scope ends. */
interface World extends AsyncDisposable {
  sim: RunningSimulator;
  store: StateStore;
  router: Switchyard;
  warnings: string[];
  /** Every line at info or above: [level, msg]. */
  lines: [number, string][];
  sleeps: number[];
  ws: ReturnType<typeof tempWorkspace>;
  open(): Switchyard;
  close(): Promise<void>;
}

async function world(
  scenario: ScenarioInput,
  yaml: (urls: { openai: string; anthropic: string }) => string,
  dotenv = '',
  env: Record<string, string> = {},
): Promise<World> {
  const sim = await startSimulator({ scenario });
  const ws = tempWorkspace();
  const configPath = ws.write('switchyard.yaml', yaml({ openai: `${sim.url}/v1`, anthropic: sim.url }));
  if (dotenv) ws.write('.env', dotenv);
  const store = openStore({ home: ws.home });
  const warnings: string[] = [];
  const lines: [number, string][] = [];
  const sleeps: number[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level >= 40) warnings.push(line.msg);
      if (line.level >= 30) lines.push([line.level, line.msg]);
      done();
    },
  });
  const routers: Switchyard[] = [];
  const open = (): Switchyard => {
    const r = createSwitchyard({
      config: loadConfig({ configPath, env }),
      store,
      logger: createLogger({ destination }),
      sleep: async (ms) => {
        sleeps.push(ms);
        await new Promise((res) => setTimeout(res, ms));
      },
    });
    routers.push(r);
    return r;
  };
  let router: Switchyard;
  try {
    router = open();
  } catch (err) {
    await store.close();
    await sim.close();
    ws.cleanup();
    throw err;
  }
  return {
    sim,
    store,
    router,
    warnings,
    lines,
    sleeps,
    ws,
    open,
    close,
    [Symbol.asyncDispose]: close,
  };
  async function close(): Promise<void> {
    for (const r of routers) await r.close();
    await store.close();
    await sim.close();
    ws.cleanup();
  }
}

test('seed 000: title_generation on auto with an invalid main key and a working main fallback succeeds through the fallback', async () => {
  await using w = await world(
    { keys: { 'sk-xiaomi-expired-01': { valid: false }, 'sk-deepseek-works-02': {} } },
    (u) => `providers:
  xiaomi: { type: openai, base_url: ${u.openai} }
  deepseek: { type: openai, base_url: ${u.openai}, api_key: "\${DEEPSEEK_API_KEY}" }
main: { provider: xiaomi, model: sim-large }
fallback: [ { provider: deepseek, model: sim-small } ]
auxiliary:
  title_generation: { provider: auto, model: "", timeout: 30s }
${RETRY}`,
    'XIAOMI_API_KEY=sk-xiaomi-expired-01\nDEEPSEEK_API_KEY=sk-deepseek-works-02\n',
  );
  const r = await w.router.chat({ task: 'title_generation', messages: hello });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(r.route, 'deepseek/sim-small');
  assert.ok(r.response.content.length > 0);
  assert.equal(w.sim.calls('sk-xiaomi-expired-01'), 1, 'the invalid key is tried once');
  assert.equal(w.sim.calls('sk-deepseek-works-02'), 1);
  assert.deepEqual(
    r.trail.map((a) => [a.route, a.outcome]),
    [
      ['xiaomi/sim-large', 'auth_rejected'],
      ['deepseek/sim-small', 'ok'],
    ],
  );
  assert.deepEqual(r.trail[0]?.credential?.sources, ['dotenv']);
  // The next title call does not knock on the rejected key again.
  await w.router.chat({ task: 'title_generation', messages: hello });
  assert.equal(w.sim.calls('sk-xiaomi-expired-01'), 1);
});

test('seed 000: provider: none sends nothing and returns the typed disabled result', async () => {
  await using w = await world(
    { keys: { 'sk-xiaomi-works-0001': {} } },
    (u) => `providers: { xiaomi: { type: openai, base_url: ${u.openai}, api_key: sk-xiaomi-works-0001 } }
main: { provider: xiaomi, model: sim-large }
auxiliary: { title_generation: { provider: none } }
`,
  );
  const r = await w.router.chat({ task: 'title_generation', messages: hello });
  assert.equal(r.status, 'disabled');
  assert.equal(w.sim.calls(), 0);
  assert.deepEqual(w.warnings, [], 'nothing logged above debug');
});

test('a key set aside is logged when it happens, whichever key it is: rate limits at info, quota and rejected keys at warn', async () => {
  const OK = 'sk-steady-key-00000ok1';
  const LIMITED = 'sk-limited-key-000lim2';
  const BROKE = 'sk-no-quota-key-00bro3';
  const TYPO = 'sk-typo-key-0000000ty4';
  await using w = await world(
    {
      keys: {
        [OK]: {},
        [LIMITED]: { rate_limit_after: 0, reset: '1h' },
        [BROKE]: { quota: true },
        [TYPO]: { valid: false },
      },
    },
    (
      u,
    ) => `providers: { xiaomi: { type: openai, base_url: ${u.openai}, api_keys: [${OK}, ${LIMITED}, ${BROKE}, ${TYPO}] } }
main: { provider: xiaomi, model: sim-large }
credentials: { strategy: round_robin }
${RETRY}`,
  );
  for (let i = 0; i < 6; i++) assert.equal((await w.router.chat({ messages: hello })).status, 'ok');
  const setAside = w.lines.filter(([, msg]) => / until | next probe at /.test(msg));
  const at = (masked: string) => setAside.filter(([, msg]) => msg.includes(masked));
  assert.deepEqual(
    at('sk-…lim2').map(([level]) => level),
    [30],
    'the rate-limited key, once, at info',
  );
  assert.match(
    at('sk-…lim2')[0]?.[1] ?? '',
    /^xiaomi: config api_keys\[1\] sk-…lim2 rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$/,
  );
  assert.deepEqual(
    at('sk-…bro3').map(([level]) => level),
    [40],
    'the key out of quota, once, at warn',
  );
  assert.match(at('sk-…bro3')[0]?.[1] ?? '', /out of quota until/);
  assert.deepEqual(
    at('sk-…0ty4').map(([level]) => level),
    [40],
    'the never-valid key, once, at warn',
  );
  assert.match(at('sk-…0ty4')[0]?.[1] ?? '', /rejected \(never accepted\); next probe at/);
  assert.deepEqual(at('sk-…0ok1'), [], 'nothing about the key that works');
});

test('a key set aside that answers again says so once: back in use (not after a rate limit, which comes and goes)', async () => {
  const OK = 'sk-steady-key-00000ok1';
  const BROKE = 'sk-broke-then-paid-bk2';
  const LIMITED = 'sk-limited-once-000li3';
  await using w = await world(
    { keys: { [OK]: {}, [BROKE]: { script: [402] }, [LIMITED]: { script: [429], reset_headers: [] } } },
    (u) => `providers: { xiaomi: { type: openai, base_url: ${u.openai}, api_keys: [${OK}, ${BROKE}, ${LIMITED}] } }
main: { provider: xiaomi, model: sim-large }
credentials: { strategy: round_robin }
cooldowns: { quota: 20ms, rate_limited: 20ms }
${RETRY}`,
  );
  for (let i = 0; i < 40 && (w.sim.calls(BROKE) < 2 || w.sim.calls(LIMITED) < 2); i++) {
    assert.equal((await w.router.chat({ messages: hello })).status, 'ok');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(w.sim.calls(BROKE) >= 2, 'the key out of quota was used again once its cooldown ended');
  assert.ok(w.sim.calls(LIMITED) >= 2, 'so was the rate-limited one');
  const back = w.lines.filter(([, msg]) => msg.includes('back in use'));
  assert.deepEqual(back, [
    [30, 'xiaomi: config api_keys[1] sk-…-bk2 answers again (set aside: out of quota); back in use'],
  ]);
});

test('seed 001: the first credential is rate-limited → the very next call uses the second, no backoff, one line names both', async () => {
  const A = 'sk-config-exhausted-1';
  const B = 'sk-env-fresh-key-0002';
  await using w = await world(
    { keys: { [A]: { rate_limit_after: 0, reset: '1h' }, [B]: {} } },
    (u) => `providers: { xiaomi: { type: openai, base_url: ${u.openai}, api_key: ${A} } }
main: { provider: xiaomi, model: sim-large }
${RETRY}`,
    '',
    { XIAOMI_API_KEY: B },
  );
  const first = await w.router.chat({ messages: hello });
  assert.equal(first.status, 'ok');
  assert.deepEqual(
    first.trail.map((a) => a.outcome),
    ['rate_limited', 'ok'],
  );
  const second = await w.router.chat({ messages: hello });
  assert.deepEqual(
    second.trail.map((a) => [a.credential?.masked, a.outcome]),
    [['sk-…0002', 'ok']],
    'straight to the second key',
  );
  await w.router.chat({ messages: hello });
  assert.equal(w.sim.calls(A), 1);
  assert.equal(w.sim.calls(B), 3);
  assert.deepEqual(w.sleeps, [], 'no backoff anywhere');
  // Said once, at info: a rate limit heals by itself (a quota or a rejected key is said at warn).
  const switches = w.lines.filter(([, m]) => m.includes('; using '));
  assert.equal(switches.length, 1, `one line: ${JSON.stringify(w.lines)}`);
  assert.equal(switches[0]?.[0], 30);
  assert.match(
    switches[0]?.[1] ?? '',
    /config key sk-…ed-1 rate-limited until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d; using env XIAOMI_API_KEY sk-…0002/,
  );
});

test('seed 001: a key edited in the config takes effect at the next request, with no stale pool entry shadowing it', async () => {
  const OLD = 'sk-old-exhausted-0001';
  const NEW = 'sk-new-with-quota-002';
  await using w = await world(
    { keys: { [OLD]: { quota: true }, [NEW]: {} } },
    (u) => `providers: { xiaomi: { type: openai, base_url: ${u.openai}, api_key: ${OLD} } }
main: { provider: xiaomi, model: sim-large }
${RETRY}`,
  );
  await assert.rejects(
    w.router.chat({ messages: hello }),
    (err: unknown) => SwitchyardError.isInstance(err) && err.kind === 'quota' && err.retryAfterMs !== undefined,
  );
  const configPath = w.ws.write(
    'switchyard.yaml',
    `providers: { xiaomi: { type: openai, base_url: ${w.sim.url}/v1, api_key: ${NEW} } }\nmain: { provider: xiaomi, model: sim-large }\n${RETRY}`,
  );
  w.router.reload(loadConfig({ configPath, env: {} }));
  const r = await w.router.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(w.sim.calls(OLD), 1);
  assert.equal(w.sim.calls(NEW), 1);
});

test('seed 002: a known-good key (remembered across restarts) survives two transient 401s; the third call succeeds', async () => {
  const KEY = 'sk-mimo-token-plan-01';
  await using w = await world(
    { keys: { [KEY]: { script: ['ok', '401', '401'] } } },
    (u) => `providers: { mimo: { type: openai, base_url: ${u.openai}, api_key: ${KEY} } }
main: { provider: mimo, model: sim-large }
${RETRY}`,
  );
  assert.equal((await w.router.chat({ messages: hello })).status, 'ok');
  await w.router.close();
  await w.store.flush();
  // A fresh router (as after a restart) over the same state store still knows the key has worked.
  const restarted = w.open();
  const r = await restarted.chat({ messages: hello });
  assert.equal(r.status, 'ok');
  assert.equal(w.sim.calls(KEY), 4, 'exactly three calls for the second chat');
  assert.ok(w.store.getHealth(fingerprint(KEY))?.last_success_at !== undefined);
});

const SEED_003_FAULTS: [string, (port: number) => { key: Record<string, unknown>; baseUrl?: string }][] = [
  ['401 token_invalidated', () => ({ key: { script: ['401_token_invalidated'] } })],
  ['402 payment required', () => ({ key: { quota: 'payment' } })],
  ['429 rate limited', () => ({ key: { rate_limit_after: 0, reset: '1h' } })],
  ['5xx server errors', () => ({ key: { server_error_rate: 1 } })],
  ['connection refused', (port) => ({ key: {}, baseUrl: `http://127.0.0.1:${port}/v1` })],
];

for (const [name, fault] of SEED_003_FAULTS) {
  for (const chainWorks of [true, false]) {
    test(`seed 003: an auxiliary task whose explicit provider fails with ${name} → ${chainWorks ? 'its fallback_chain' : 'fallback_chain fails too → the main model'}`, async () => {
      const AUX = 'sk-aux-provider-key-1';
      const CHAIN = 'sk-aux-fallback-key-2';
      const MAIN = 'sk-main-model-key-003';
      const f = fault(await closedPort());
      await using w = await world(
        { keys: { [AUX]: f.key, [CHAIN]: chainWorks ? {} : { valid: false }, [MAIN]: {} } },
        (u) => `providers:
  openai_aux: { type: openai, base_url: ${f.baseUrl ?? u.openai}, api_key: ${AUX} }
  claude: { type: anthropic, base_url: ${u.anthropic}, api_key: ${CHAIN} }
  main_provider: { type: openai, base_url: ${u.openai}, api_key: ${MAIN} }
main: { provider: main_provider, model: sim-large }
auxiliary:
  compression:
    provider: openai_aux
    model: sim-small
    fallback_chain: [ { provider: claude, model: sim-small } ]
    fallback_to_main: true
${RETRY}`,
      );
      const r = await w.router.chat({ task: 'compression', messages: hello });
      assert.equal(r.status, 'ok');
      if (r.status !== 'ok') return;
      assert.equal(r.route, chainWorks ? 'claude/sim-small' : 'main_provider/sim-large');
      assert.equal(w.sim.calls(CHAIN), 1, 'the fallback_chain is tried');
      assert.equal(w.sim.calls(MAIN), chainWorks ? 0 : 1);
      const first = r.trail[0];
      assert.equal(first?.route, 'openai_aux/sim-small');
      assert.notEqual(first?.outcome, 'ok');
    });
  }
}
