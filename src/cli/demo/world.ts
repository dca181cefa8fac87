// Everything the demo runs on, in-process on loopback: simulator, temp SWITCHYARD_HOME, a copy of examples/demo's
// config, router and gateway. The config sees only SIM_URL and its .env, so none of the user's own keys leak in.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/load.ts';
import type { LoadedConfig } from '../../config/types.ts';
import { generateKey, newKeyRecord } from '../../gateway/keys/keys.ts';
import { startGateway, type GatewayHandle } from '../../gateway/server/server.ts';
import { createLogger, type Logger } from '../../log.ts';
import { defaultLogFormat, stderrLogDestination, type LogStderr } from '../../log-format.ts';
import { createSwitchyard, type Switchyard } from '../../library/switchyard.ts';
import { startSimulator } from '../../sim/server.ts';
import type { RunningSimulator } from '../../sim/types.ts';
import { openStore } from '../../state/open.ts';
import type { StateStore } from '../../state/types.ts';

export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', 'demo');

export interface DemoWorld {
  dir: string;
  home: string;
  configPath: string;
  /** The environment the config is loaded with (and that a user's own `switchyard` needs to join in). */
  env: Record<string, string>;
  sim: RunningSimulator;
  store: StateStore;
  router: Switchyard;
  gateway: GatewayHandle;
  /** The gateway's log; silent during the scripted part, `info` once the demo hands over. */
  logger: Logger;
  /** File holding the client key (0600), so no key is ever printed. */
  clientKeyFile: string;
  clientKey: string;
  /** File holding the admin key (0600): the dashboard's login. */
  adminKeyFile: string;
  loaded(): LoadedConfig;
  /** Replaces text in the config file, as a user editing it would, and reloads (the gateway reloads too). */
  editConfig(from: string, to: string): void;
  close(): Promise<void>;
}

/** `listen`: the gateway's address (`--listen`); default a free loopback port. The gateway logs to `io`'s stderr. */
export async function startWorld(io: LogStderr, listen = '127.0.0.1:0'): Promise<DemoWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const configPath = join(dir, 'switchyard.yaml');
  copyFileSync(join(EXAMPLES, 'switchyard.yaml'), configPath);
  copyFileSync(join(EXAMPLES, 'demo.env'), join(dir, '.env'));
  // Both hold keys (the config's written in it): kept from other users, as the config and .env warnings ask.
  for (const file of [configPath, join(dir, '.env')]) chmodSync(file, 0o600);
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const sim = await startSimulator({ scenario: join(EXAMPLES, 'scenario.yaml') });
    cleanups.push(() => sim.close());
    // The dashboard's login: a fresh admin key, kept in a 0600 file like the client key and never printed.
    const adminKey = generateKey();
    const adminKeyFile = join(dir, 'admin-key');
    writeFileSync(adminKeyFile, `${adminKey}\n`, { mode: 0o600 });
    const env = { SIM_URL: sim.url, SWITCHYARD_HOME: home, SWITCHYARD_ADMIN_KEY: adminKey };
    const load = (): LoadedConfig => loadConfig({ configPath, env, cwd: dir });
    let loaded = load();
    const store = openStore({ home, env });
    cleanups.push(() => store.close());
    const router = createSwitchyard({ config: loaded, store });
    cleanups.push(() => router.close());
    // As `switchyard gateway` writes them: pretty on a terminal, where the demo leaves the gateway running.
    const destination = await stderrLogDestination(defaultLogFormat(io.stderr), io);
    const logger = createLogger({ level: 'silent', destination, name: 'switchyard-gateway' });
    const clientKey = generateKey();
    store.addGatewayKey(newKeyRecord(clientKey, 'demo'));
    const clientKeyFile = join(dir, 'client-key');
    writeFileSync(clientKeyFile, `${clientKey}\n`, { mode: 0o600 });
    const gateway = await startGateway({
      loaded,
      store,
      logger,
      router,
      listen,
      watch: true,
      drainMs: 5_000,
      usageHome: home,
    });
    cleanups.push(() => gateway.close());
    return {
      dir,
      home,
      configPath,
      env,
      sim,
      store,
      router,
      gateway,
      logger,
      clientKeyFile,
      clientKey,
      adminKeyFile,
      loaded: () => loaded,
      editConfig(from, to) {
        const text = readFileSync(configPath, 'utf8');
        if (!text.includes(from)) throw new Error(`demo: ${configPath} does not contain the text to replace`);
        writeFileSync(configPath, text.replace(from, to));
        loaded = load();
        router.reload(loaded);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
