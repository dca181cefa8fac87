// One benchmark server per process, so load generator, upstream and system under test never share an event loop.
// Usage: node bench/serve.ts upstream | proxy URL | floor URL | gateway URL LOG | sim | soak-gateway CONFIG LOG.
// Prints {url, key?} when listening and {cpuMicros, heapUsed?, rss?} on SIGUSR2; exits on SIGTERM.
import { dirname } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { configSchema } from '../src/config/schema.ts';
import type { LoadedConfig } from '../src/config/types.ts';
import { createLogger } from '../src/log.ts';
import { batchedDestination } from '../src/log-destination.ts';
import { openStore } from '../src/state/open.ts';
import { generateKey, newKeyRecord } from '../src/gateway/keys.ts';
import { startGateway } from '../src/gateway/server.ts';
import { startFakeUpstream } from './fake-upstream.ts';
import { startBareProxy } from './bare-proxy.ts';
import { startFloor } from './floor.ts';
import { startSimulator } from '../src/sim/server.ts';
import { SOAK_SCENARIO } from './soak-setup.ts';
import { loadConfig } from '../src/config/load.ts';
import type { ServerUsage } from './server-process.ts';

const UPSTREAM_KEY = 'sk-bench-upstream-key-0000';

/** The budgets bench/budgets.bench.ts turns on: one of each level a request meets (the client key's USD, the main
 * task's tokens, everything's requests, the provider's requests), limits no run reaches. */
const BENCH_BUDGETS = {
  key_usd: { client_key: 'bench', usd: { month: 1_000_000 } },
  main_tokens: { task: 'main', tokens: { day: 1_000_000_000_000 } },
  all_rate: { all: true, requests: { minute: 100_000_000 } },
  provider_daily: { provider: 'bench', requests: { day: 1_000_000_000_000 } },
};

function benchConfig(upstreamUrl: string, usageStore = 'sqlite', budgets: Record<string, unknown> = {}): LoadedConfig {
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
  const handle = await startGateway({ loaded, store, logger, watch, ...(usageHome ? { usageHome } : {}) });
  const close = async (): Promise<void> => {
    await handle.close();
    await store.close();
  };
  return { close, url: handle.url, key };
}

/** CPU used so far; with --expose-gc also the heap left after a full collection (what a leak would grow). */
function usage(): ServerUsage {
  const u = process.cpuUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { cpuMicros: u.user + u.system };
  // The young generation's size before the collection: what V8 grew it to under the load.
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  gc();
  const m = process.memoryUsage();
  return { cpuMicros: u.user + u.system, heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, young };
}

async function main(): Promise<void> {
  const [role, upstreamUrl, logFile] = process.argv.slice(2);
  let close: () => Promise<void>;
  if (role === 'upstream') {
    const up = await startFakeUpstream();
    close = up.close;
    process.stdout.write(`${JSON.stringify({ url: up.url })}\n`);
  } else if (role === 'proxy' && upstreamUrl) {
    const proxy = await startBareProxy(upstreamUrl);
    close = proxy.close;
    process.stdout.write(`${JSON.stringify({ url: proxy.url })}\n`);
  } else if (role === 'floor' && upstreamUrl) {
    const floor = await startFloor(benchConfig(upstreamUrl));
    close = floor.close;
    process.stdout.write(`${JSON.stringify({ url: floor.url })}\n`);
  } else if (role === 'gateway' && upstreamUrl && logFile) {
    const gw = await benchGateway(benchConfig(upstreamUrl), logFile);
    close = gw.close;
    process.stdout.write(`${JSON.stringify({ url: gw.url, key: gw.key })}\n`);
  } else if (role === 'budgets-gateway' && upstreamUrl && logFile) {
    // bench/budgets.bench.ts: the gateway on a SQLite state file beside its log, with budgets (`on`) or without.
    const on = process.argv[5] === 'on';
    const gw = await benchGateway(
      benchConfig(upstreamUrl, 'sqlite', on ? BENCH_BUDGETS : {}),
      logFile,
      dirname(logFile),
    );
    close = gw.close;
    process.stdout.write(`${JSON.stringify({ url: gw.url, key: gw.key })}\n`);
  } else if ((role === 'gateway-ledger' || role === 'gateway-noledger') && upstreamUrl && logFile) {
    // The usage ledger on (SQLite beside the log) or off (`usage.store: off`): bench/usage.bench.ts compares them.
    const on = role === 'gateway-ledger';
    const gw = await benchGateway(
      benchConfig(upstreamUrl, on ? 'sqlite' : 'off'),
      logFile,
      undefined,
      false,
      dirname(logFile),
    );
    close = gw.close;
    process.stdout.write(`${JSON.stringify({ url: gw.url, key: gw.key })}\n`);
  } else if (role === 'sim') {
    const sim = await startSimulator({ scenario: SOAK_SCENARIO });
    close = sim.close;
    process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
  } else if (role === 'soak-gateway' && upstreamUrl && logFile) {
    // Here the second argument is the config file (bench/soak.ts writes it, and rewrites it to exercise hot reload);
    // the state lives in a SQLite file beside the log, as `switchyard gateway` keeps it.
    const gw = await benchGateway(loadConfig({ configPath: upstreamUrl }), logFile, dirname(logFile), true);
    close = gw.close;
    process.stdout.write(`${JSON.stringify({ url: gw.url, key: gw.key })}\n`);
  } else {
    process.stderr.write(
      'usage: node bench/serve.ts upstream | proxy <upstreamUrl> | floor <upstreamUrl> | gateway <upstreamUrl> <logFile> | budgets-gateway <upstreamUrl> <logFile> on|off | sim | soak-gateway <configFile> <logFile>\n',
    );
    process.exit(2);
  }
  // SIGUSR2: report the CPU time used so far, so the benchmark can give CPU per request for each server.
  process.on('SIGUSR2', () => {
    process.stdout.write(`${JSON.stringify(usage())}\n`);
  });
  process.once('SIGTERM', () => {
    close().finally(() => process.exit(0));
  });
}

await main();
