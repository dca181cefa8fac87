// Test harness for the router: a real simulator over loopback, a real in-memory state store, and a real
// Switchyard. Only values are injected (small delays, a recording sleep); the ladder itself runs for real.
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { configSchema } from '../../src/config/schema.ts';
import type { LoadedConfig } from '../../src/config/types.ts';
import { createLogger } from '../../src/log.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { ScenarioInput } from '../../src/sim/scenario.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { openStore } from '../../src/state/open.ts';
import type { StateStore } from '../../src/state/types.ts';
import assert from 'node:assert/strict';
import { createSwitchyard, type Switchyard, type SwitchyardOptions } from '../../src/library/switchyard.ts';
import { SwitchyardError } from '../../src/routing/errors.ts';
import type { LadderEvent } from '../../src/calls/types.ts';
import { withPatientMints } from '../helpers/patient-mints.ts';

export function loadedFrom(
  config: unknown,
  extra: { env?: Record<string, string>; dotenv?: Record<string, string> } = {},
): LoadedConfig {
  return {
    config: configSchema.parse(config),
    path: null,
    dir: process.cwd(),
    dotenvPath: null,
    dotenv: extra.dotenv ?? {},
    env: extra.env ?? {},
    origins: new Map(),
    warnings: [],
    loadedAt: Date.now(),
  };
}

/** Fast retry settings so tests run in milliseconds. */
export const FAST_RETRY = { max_retries: 2, auth_retries: 2, base_delay: '2ms', max_delay: '10ms', max_wait: '50ms' };

/** `await using h = await harness(…)` closes it when the test's scope ends. */
export interface Harness extends AsyncDisposable {
  sim: RunningSimulator;
  router: Switchyard;
  store: StateStore;
  events: LadderEvent[];
  warnings: string[];
  sleeps: number[];
  /** OpenAI-style base URL of the simulator. */
  openai: string;
  /** Anthropic-style base URL of the simulator. */
  anthropic: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  scenario: ScenarioInput;
  /** Built from the simulator's URLs. */
  config: (urls: { openai: string; anthropic: string }) => unknown;
  /** The config's environment; built from the simulator's URLs when a function (an endpoint variable). */
  env?: Record<string, string> | ((urls: { openai: string; anthropic: string }) => Record<string, string>);
  dotenv?: Record<string, string>;
  store?: StateStore;
  router?: Partial<SwitchyardOptions>;
}

export async function harness(options: HarnessOptions): Promise<Harness> {
  const sim = await startSimulator({ scenario: options.scenario });
  const urls = { openai: `${sim.url}/v1`, anthropic: sim.url };
  const store = options.store ?? openStore({ kind: 'memory' });
  const warnings: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level >= 40) warnings.push(line.msg);
      done();
    },
  });
  const sleeps: number[] = [];
  const router = createSwitchyard({
    config: loadedFrom(withPatientMints(options.config(urls)), {
      ...(options.env ? { env: typeof options.env === 'function' ? options.env(urls) : options.env } : {}),
      ...(options.dotenv ? { dotenv: options.dotenv } : {}),
    }),
    store,
    logger: createLogger({ level: 'debug', destination }),
    timeZone: 'UTC',
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, ms));
    },
    ...options.router,
  });
  const events: LadderEvent[] = [];
  router.events.on((e) => events.push(e));
  return {
    sim,
    router,
    store,
    events,
    warnings,
    sleeps,
    ...urls,
    close,
    [Symbol.asyncDispose]: close,
  };
  async function close(): Promise<void> {
    await router.close();
    await store.close();
    await sim.close();
  }
}

/** A loopback port nothing listens on (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A router clock the test moves (the simulator does not care what time the router thinks it is). Its `sleep` moves it
 * by what was asked and records it: a wait ends exactly where it was meant to, however busy the machine. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
  sleep: (ms: number) => Promise<void>;
  waits: number[];
}

export function clockAt(iso: string): TestClock {
  let t = Date.parse(iso);
  const waits: number[] = [];
  return {
    now: () => t,
    advance: (ms) => void (t += ms),
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

export const hello = [{ role: 'user' as const, content: 'hello' }];

/** The SwitchyardError a call fails with (any other outcome fails the test). */
export async function failure(p: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await p;
  } catch (err) {
    if (SwitchyardError.isInstance(err)) return err;
    throw err;
  }
  assert.fail('expected the call to fail');
}
