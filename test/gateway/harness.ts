// A real gateway in front of the real simulator, for the gateway tests: config written to a temp dir and loaded by
// the real loader, a SQLite store in the temp SWITCHYARD_HOME, logs captured line by line so a test can scan them
// (the store's own warnings among them, as the gateway's CLI logs them).
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { openStore, statePath } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import { startSimulator, type ScenarioInput } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { startGateway, type GatewayHandle } from '../../src/gateway/server/server.ts';
import type { RequestTimeout } from '../../src/gateway/server/app.ts';
import type { SocketOptions } from '../../src/gateway/conversations/responses-socket.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { withPatientMints } from '../helpers/patient-mints.ts';
import type { CannedUpstream } from '../helpers/canned-upstream.ts';

export const ADMIN_KEY = 'adm-harness-admin-key-7f3e9a2b4c';

export interface HarnessOptions {
  scenario: ScenarioInput;
  /** The config, given the simulator's URL (OpenAI base_url is `${url}/v1`, Anthropic's is `url`). */
  config: (simUrl: string) => Record<string, unknown>;
  /** Written beside the config as .env. */
  dotenv?: string;
  env?: Record<string, string>;
  watch?: boolean;
  requestTimeout?: RequestTimeout;
  /** The Responses WebSocket's limits (a connection's length). */
  responsesSocket?: SocketOptions;
  /** Where the gateway listens (default 127.0.0.1:0). */
  listen?: string;
  /** The state file: `prepare` runs on its path before the store opens it; `maxPageCount` caps its size (openStore). */
  stateFile?: { prepare?: (path: string) => void; maxPageCount?: number };
  /** The simulator keeps each call's body as it came (SimCallRecord.body). */
  keepBodies?: boolean;
}

/** `await using h = await startHarness(…)` closes it when the test's scope ends. */
export interface Harness extends AsyncDisposable {
  sim: RunningSimulator;
  gw: GatewayHandle;
  url: string;
  store: StateStore;
  /** A client key created for the test. */
  key: string;
  configPath: string;
  /** Its SWITCHYARD_HOME (the state and the usage ledger), for running the CLI against it. */
  home: string;
  /** Every log line the gateway wrote. */
  logs: string[];
  /** Rewrites the config file (hot reload picks it up). */
  writeConfig(config: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const ws = tempWorkspace('switchyard-gw-');
  const sim = await startSimulator({ scenario: options.scenario, keepBodies: options.keepBodies === true });
  const configPath = ws.write('switchyard.yaml', stringify(withPatientMints(options.config(sim.url))));
  if (options.dotenv !== undefined) ws.write('.env', options.dotenv);
  const env = { SWITCHYARD_ADMIN_KEY: ADMIN_KEY, ...options.env };
  const loaded = loadConfig({ configPath, env, cwd: ws.dir });
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  options.stateFile?.prepare?.(statePath({ home: ws.home }));
  const capped = options.stateFile?.maxPageCount !== undefined ? { maxPageCount: options.stateFile.maxPageCount } : {};
  const store = openStore({
    home: ws.home,
    pollIntervalMs: 100,
    flushIntervalMs: 20,
    warn: (m) => logger.warn(m),
    ...capped,
  });
  const key = generateKey();
  store.addGatewayKey(newKeyRecord(key, 'test-client'));
  const gw = await startGateway({
    loaded,
    store,
    logger,
    listen: options.listen ?? '127.0.0.1:0',
    watch: options.watch ?? false,
    drainMs: 10_000,
    usageHome: ws.home,
    ...(options.requestTimeout ? { requestTimeout: options.requestTimeout } : {}),
    ...(options.responsesSocket ? { responsesSocket: options.responsesSocket } : {}),
  });
  return {
    sim,
    gw,
    url: gw.url,
    store,
    key,
    configPath,
    home: ws.home,
    logs,
    writeConfig: (config) => ws.write('switchyard.yaml', stringify(config)),
    close,
    [Symbol.asyncDispose]: close,
  };
  async function close(): Promise<void> {
    await gw.close();
    await store.close();
    await sim.close();
    ws.cleanup();
  }
}

/** A provider block for the simulator. */
export function simProvider(
  simUrl: string,
  type: 'openai' | 'anthropic',
  keys: string | string[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type,
    base_url: type === 'openai' ? `${simUrl}/v1` : simUrl,
    ...(Array.isArray(keys) ? { api_keys: keys } : { api_key: keys }),
    key_env: 'SWITCHYARD_TEST_UNUSED_KEY',
    timeout: '5s',
    ...extra,
  };
}

/** Fast retries so failing paths finish quickly. */
export const FAST_RETRY = { max_retries: 1, auth_retries: 1, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' };

/** The gateway with one provider, `compat`, in front of a canned upstream (test/helpers/canned-upstream.ts): for
 * answers the simulator does not give (a refusal, a stop sequence, arguments that are not JSON). No retries: each
 * request reaches the upstream once. */
export function startCannedHarness(
  up: CannedUpstream,
  o: { type: 'openai' | 'anthropic'; key: string; model: string },
): Promise<Harness> {
  return startHarness({
    scenario: {},
    config: () => ({
      providers: { compat: simProvider(up.origin, o.type, o.key) },
      main: { provider: 'compat', model: o.model },
      retry: { ...FAST_RETRY, max_retries: 0 },
    }),
  });
}
