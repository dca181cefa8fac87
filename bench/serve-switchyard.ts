// The bench servers made of Switchyard's own code (bench/serve.ts runs one per process): the gateway in its several
// configurations, the floor, the simulator. Apart from serve.ts so the fake upstream and the bare proxy load none of it
// (their RSS is a floor's: bench/stream.bench.ts compares idle memory).
import { dirname } from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import { guardModeSchema } from '../src/config/guard.ts';
import type { LoadedConfig } from '../src/config/types.ts';
import { createLogger } from '../src/log.ts';
import { batchedDestination } from '../src/log-destination.ts';
import { openStore } from '../src/state/open.ts';
import { generateKey, newKeyRecord } from '../src/gateway/keys/keys.ts';
import { startGateway } from '../src/gateway/server/server.ts';
import { READER_NAMES, type ReaderName } from '../src/gateway/records/request-record.ts';

const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';

/** The budgets bench/budgets.bench.ts turns on: one of each level a request meets (the client key's USD, the main
 * task's tokens, everything's requests, the provider's requests), limits no run reaches. */
const BENCH_BUDGETS = {
  key_usd: { client_key: 'bench', usd: { month: 1_000_000 } },
  main_tokens: { task: 'main', tokens: { day: 1_000_000_000_000 } },
  all_rate: { all: true, requests: { minute: 100_000_000 } },
  provider_daily: { provider: 'bench', requests: { day: 1_000_000_000_000 } },
};

/** The fake upstream in Anthropic's shape, beside the OpenAI one, for bench/stream.bench.ts's cross-shape routes. */
function anthropicProvider(upstreamUrl: string): Record<string, unknown> {
  return {
    bench_anthropic: {
      type: 'anthropic',
      base_url: upstreamUrl,
      api_key: UPSTREAM_KEY,
      models: { 'claude-bench': { price: { input: 1, output: 2 } } },
    },
  };
}

function benchConfig(
  upstreamUrl: string,
  usageStore = 'sqlite',
  budgets: Record<string, unknown> = {},
  extraProviders: Record<string, unknown> = {},
): LoadedConfig {
  const config = configSchema.parse({
    usage: { store: usageStore },
    budgets,
    providers: {
      bench: {
        type: 'openai',
        base_url: `${upstreamUrl}/v1`,
        api_key: UPSTREAM_KEY,
        models: { 'bench-model': { price: { input: 1, output: 2 } } },
      },
      ...extraProviders,
    },
    main: { provider: 'bench', model: 'bench-model' },
    gateway: { listen: '127.0.0.1:0', require_keys: true, log_level: 'info' },
  });
  return {
    config,
    path: null,
    dir: process.cwd(),
    dotenvPath: null,
    dotenv: {},
    env: {},
    origins: new Map(),
    warnings: [],
    loadedAt: Date.now(),
  };
}

/** A gateway as `switchyard gateway` runs one: its line per request to a file, a store, a client key. */
async function benchGateway(
  loaded: LoadedConfig,
  logFile: string,
  stateHome?: string,
  watch = false,
  usageHome?: string,
  readersOff: readonly ReaderName[] = [],
): Promise<{ close: () => Promise<void>; url: string; key: string }> {
  const store =
    stateHome === undefined
      ? openStore({ kind: 'memory' })
      : openStore({ kind: loaded.config.gateway.state, home: stateHome });
  const key = generateKey();
  store.addGatewayKey(newKeyRecord(key, 'bench'));
  // The gateway logs one line per request, as in production, with the destination `switchyard gateway` uses
  // (src/cli/gateway.ts) — written to a file here instead of stderr.
  const destination = batchedDestination({ dest: logFile });
  const logger = createLogger({ level: 'info', destination });
  const handle = await startGateway({ loaded, store, logger, watch, readersOff, ...(usageHome ? { usageHome } : {}) });
  const close = async (): Promise<void> => {
    await handle.close();
    await store.close();
  };
  return { close, url: handle.url, key };
}

/** `off=log,metrics`: the request records' readers left out (bench/compare.bench.ts's per-feature cost). */
function readersOffArg(arg: string | undefined): ReaderName[] {
  if (arg === undefined || !arg.startsWith('off=')) return [];
  const names = arg.slice(4).split(',').filter(Boolean);
  for (const n of names)
    if (!(READER_NAMES as readonly string[]).includes(n))
      throw new Error(`off=${arg.slice(4)}: ${n} is not a reader (${READER_NAMES.join(', ')})`);
  return names as ReaderName[];
}

/** What a role started: how to stop it and what serve.ts prints (its URL, a client key). */
export interface StartedRole {
  close: () => Promise<void>;
  info: { url: string; key?: string };
}

/** Starts one of the roles made of Switchyard's code; undefined for a role (or arguments) it does not know. */
export async function startSwitchyardRole(argv: string[]): Promise<StartedRole | undefined> {
  const [role, upstreamUrl, logFile] = argv;
  if (role === 'floor' && upstreamUrl) {
    // The floor, the simulator and the config loader only for their roles: a gateway's RSS is measured without them.
    const { startFloor } = await import('./floor.ts');
    const floor = await startFloor(benchConfig(upstreamUrl));
    return { close: floor.close, info: { url: floor.url } };
  }
  if (role === 'stack' && upstreamUrl && logFile !== undefined) {
    // bench/http-stack.bench.ts: the chat path's HTTP stack alone; the third argument is the mode.
    const { startHttpStack, STACK_MODES } = await import('./http-stack.ts');
    const mode = STACK_MODES.find((m) => m === logFile);
    if (mode === undefined) throw new Error(`stack ${logFile}: not a mode (${STACK_MODES.join(', ')})`);
    const stack = await startHttpStack(benchConfig(upstreamUrl), mode);
    return { close: stack.close, info: { url: stack.url } };
  }
  if (role === 'gateway' && upstreamUrl && logFile) {
    const gw = await benchGateway(
      benchConfig(upstreamUrl),
      logFile,
      undefined,
      false,
      undefined,
      readersOffArg(argv[3]),
    );
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  if (role === 'guard-gateway' && upstreamUrl && logFile) {
    // bench/guard.bench.ts: the gateway with the secrets guard in the mode given (off, log, redact, block).
    const loaded = benchConfig(upstreamUrl);
    loaded.config.guard = { secrets: guardModeSchema.parse(argv[3] ?? 'off') };
    const gw = await benchGateway(loaded, logFile);
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  if (role === 'stream-gateway' && upstreamUrl && logFile) {
    // bench/stream.bench.ts: both upstream shapes, named as `bench/bench-model` and `bench_anthropic/claude-bench`.
    const loaded = benchConfig(upstreamUrl, 'sqlite', {}, anthropicProvider(upstreamUrl));
    const gw = await benchGateway(loaded, logFile, undefined, false, dirname(logFile));
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  if (role === 'budgets-gateway' && upstreamUrl && logFile) {
    // bench/budgets.bench.ts: the gateway on a SQLite state file beside its log, with budgets (`on`) or without.
    const on = argv[3] === 'on';
    const gw = await benchGateway(
      benchConfig(upstreamUrl, 'sqlite', on ? BENCH_BUDGETS : {}),
      logFile,
      dirname(logFile),
    );
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  if ((role === 'gateway-ledger' || role === 'gateway-noledger') && upstreamUrl && logFile) {
    // The usage ledger on (SQLite beside the log) or off (`usage.store: off`): bench/usage.bench.ts compares them.
    const on = role === 'gateway-ledger';
    const gw = await benchGateway(
      benchConfig(upstreamUrl, on ? 'sqlite' : 'off', {}, anthropicProvider(upstreamUrl)),
      logFile,
      undefined,
      false,
      dirname(logFile),
      readersOffArg(argv[3]),
    );
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  if (role === 'sim') {
    const { startSimulator } = await import('../src/sim/server.ts');
    const { SOAK_SCENARIO } = await import('./soak-setup.ts');
    const sim = await startSimulator({ scenario: SOAK_SCENARIO });
    return { close: sim.close, info: { url: sim.url } };
  }
  if (role === 'soak-gateway' && upstreamUrl && logFile) {
    // Here the second argument is the config file (bench/soak.ts writes it, and rewrites it to exercise hot reload);
    // the state lives in a SQLite file beside the log, as `switchyard gateway` keeps it.
    const { loadConfig } = await import('../src/config/load.ts');
    const gw = await benchGateway(loadConfig({ configPath: upstreamUrl }), logFile, dirname(logFile), true);
    return { close: gw.close, info: { url: gw.url, key: gw.key } };
  }
  return undefined;
}
