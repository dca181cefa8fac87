// The world the AI SDK tests run in: the simulator, a config file with two providers (an OpenAI-type primary and an
// Anthropic-type backup behind it) in a temp workspace, and a provider made from that config as an app would make it,
// with the state store the CLI reads (SQLite under SWITCHYARD_HOME).
import { loadConfig } from '../../src/config/load.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/scenario.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { createSwitchyardProvider, type SwitchyardProvider } from '../../src/ai-sdk/index.ts';
import type { SpecificationVersion } from '../../src/ai-sdk/spec-types.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';

export const PRIMARY_KEY = 'sk-primary-aisdk-000000001';
export const BACKUP_KEY = 'sk-backup-aisdk-0000000001';

export interface World extends AsyncDisposable {
  sim: RunningSimulator;
  ws: TempWorkspace;
  configPath: string;
  /** HOME and SWITCHYARD_HOME, for the CLI. */
  env: Record<string, string>;
  provider<V extends SpecificationVersion>(version: V): SwitchyardProvider<V>;
}

export interface WorldOptions {
  /** YAML appended to the config (an auxiliary task, say). */
  extra?: string;
  /** The primary's `timeout:` (to the first byte, then between chunks); default 5s, as the backup's. */
  primaryTimeout?: string;
  /** The primary's key settings instead of its one key (`api_keys: […]`, `oauth2: {…}`), given the simulator's URL. */
  primaryAuth?: (simUrl: string) => string;
}

export async function world(scenario: ScenarioInput = {}, options: WorldOptions = {}): Promise<World> {
  const timeout = options.primaryTimeout ?? '5s';
  const sim = await startSimulator({
    scenario: {
      models: { 'sim-large': {}, 'sim-small': {} },
      keys: { [PRIMARY_KEY]: {}, [BACKUP_KEY]: {} },
      ...scenario,
    },
  });
  const ws = tempWorkspace('switchyard-aisdk-');
  const primaryKey = options.primaryAuth ? options.primaryAuth(sim.url) : `api_key: ${PRIMARY_KEY}`;
  const configPath = ws.write(
    'switchyard.yaml',
    [
      'providers:',
      `  primary: { type: openai, base_url: ${sim.url}/v1, ${primaryKey}, timeout: ${timeout} }`,
      `  backup: { type: anthropic, base_url: ${sim.url}, api_key: ${BACKUP_KEY}, timeout: 5s }`,
      'main: { provider: primary, model: sim-large }',
      'fallback: [{ provider: backup, model: sim-small }]',
      'retry: { max_retries: 2, auth_retries: 1, base_delay: 2ms, max_delay: 10ms, max_wait: 50ms }',
      options.extra ?? '',
    ].join('\n'),
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };
  const providers: SwitchyardProvider<SpecificationVersion>[] = [];
  const close = async (): Promise<void> => {
    for (const p of providers) await p.close();
    await sim.close();
    ws.cleanup();
  };
  return {
    sim,
    ws,
    configPath,
    env,
    provider<V extends SpecificationVersion>(version: V): SwitchyardProvider<V> {
      const config = loadConfig({ configPath, env, cwd: ws.dir });
      const made = (
        version === 'v3'
          ? createSwitchyardProvider({ config, specificationVersion: 'v3' })
          : createSwitchyardProvider({ config })
      ) as SwitchyardProvider<V>;
      providers.push(made);
      return made;
    },
    [Symbol.asyncDispose]: close,
  };
}

/** The simulator's calls per key, in order: what the upstream saw, retries of any layer included. */
export function callsBy(sim: RunningSimulator): { primary: number; backup: number } {
  return { primary: sim.calls(PRIMARY_KEY), backup: sim.calls(BACKUP_KEY) };
}
