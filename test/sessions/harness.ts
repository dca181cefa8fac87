// A chat world for the session tests: the real simulator, a config written to a temp dir and loaded by the real
// loader, a real SQLite store in the temp SWITCHYARD_HOME, and the real router.
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import type { LoadedConfig } from '../../src/config/types.ts';
import { createSwitchyard, type Switchyard } from '../../src/library/switchyard.ts';
import { startSimulator, type ScenarioInput } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

/** `await using w = await startChatWorld(…)` closes it when the test's scope ends. */
export interface ChatWorld extends AsyncDisposable {
  sim: RunningSimulator;
  store: StateStore;
  router: Switchyard;
  loaded: LoadedConfig;
  dir: string;
  home: string;
  configPath: string;
  /** Environment for running the CLI against this world (SWITCHYARD_HOME, --config). */
  cliEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startChatWorld(
  scenario: ScenarioInput,
  config: (simUrl: string) => Record<string, unknown>,
): Promise<ChatWorld> {
  const ws = tempWorkspace('switchyard-chat-');
  const sim = await startSimulator({ scenario });
  const configPath = ws.write('switchyard.yaml', stringify(config(sim.url)));
  const loaded = loadConfig({ configPath, env: {}, cwd: ws.dir });
  const store = openStore({ home: ws.home, flushIntervalMs: 20, pollIntervalMs: 100 });
  const router = createSwitchyard({ config: loaded, store });
  return {
    sim,
    store,
    router,
    loaded,
    dir: ws.dir,
    home: ws.home,
    configPath,
    cliEnv: { SWITCHYARD_HOME: ws.home, SWITCHYARD_CONFIG: configPath },
    close,
    [Symbol.asyncDispose]: close,
  };
  async function close(): Promise<void> {
    await router.close();
    await store.close();
    await sim.close();
    ws.cleanup();
  }
}

/** An OpenAI-shaped provider on the simulator. */
export function simProvider(
  simUrl: string,
  key: string,
  models: Record<string, { context_window?: number }> = {},
): Record<string, unknown> {
  return {
    type: 'openai',
    base_url: `${simUrl}/v1`,
    api_key: key,
    key_env: 'SWITCHYARD_TEST_UNUSED_KEY',
    timeout: '10s',
    models,
  };
}

export const FAST_RETRY = { max_retries: 1, auth_retries: 1, base_delay: '1ms', max_delay: '5ms', max_wait: '10ms' };

export const GOOD = 'sk-chat-good-key-00001111';
export const BACKUP = 'sk-chat-backup-key-22223333';
export const BAD = 'sk-chat-never-valid-44445555';
export const SLOW = 'sk-chat-slow-key-66667777';
export const ALL_KEYS = [GOOD, BACKUP, BAD, SLOW];

/** The simulator's keys for these tests: good ones, a never-valid one, a slow one. */
export const SCENARIO: ScenarioInput = {
  models: { 'sim-large': { context_window: 128_000 }, 'sim-small': { context_window: 8_000 } },
  keys: { [GOOD]: {}, [BACKUP]: {}, [BAD]: { valid: false }, [SLOW]: { latency: '1500ms' } },
};
