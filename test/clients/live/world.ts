// What `npm run test:clients` drives the clients against: a gateway in front of the simulator that answers (an
// OpenAI-compatible main route, an Anthropic fallback), one where every route fails (each route's key rejected
// upstream: 502 `upstream_auth_failed`), one where every key is rate-limited briefly (503 `all_keys_cooling` with a
// Retry-After of a few seconds) and one where it is for a minute (the same 503, with `x-should-retry: false`), and
// the recording proxy every client talks to, pointed at one of them. `badkey` is the answering gateway given a
// client key it never issued.
import { startHarness, simProvider, type Harness } from '../../gateway/harness.ts';
import { startRecorder, type Recorder } from '../record.ts';
import { join } from 'node:path';

const SWITCHYARD_BIN = join(import.meta.dirname, '../../../bin/switchyard.js');

/** How long the cooling world's keys stay rate-limited: the Retry-After its 503s carry. */
export const COOLING_SECONDS = 5;
/** The long cooldown's Retry-After: past gateway.client_retry_max_wait (10s), as a real rate limit's minute is. */
export const LONG_COOLING_SECONDS = 60;

/** The client key the `badkey` cases present: one the gateway never issued. */
export const WRONG_KEY = 'sy-not-a-key-this-gateway-issued-0000';

export type WorldName = 'ok' | 'failing' | 'cooling' | 'long' | 'badkey';

type Gateway = Exclude<WorldName, 'badkey'>;

export interface World {
  recorder: Recorder;
  /** Each gateway's own URL and client key, for trying a client by hand (`npm run test:clients -- --serve`). */
  gateways: Record<WorldName, { url: string; key: string }>;
  /** Points the recorder at that gateway and returns the client key it takes. */
  use(name: WorldName): string;
  close(): Promise<void>;
}

/** Every key's behaviour in each world: answering, rejected, or rate-limited at every call. */
const KEY_BEHAVIOUR: Record<Gateway, Record<string, unknown>> = {
  ok: {},
  failing: { valid: false },
  cooling: { script: ['429'], loop_script: true, reset: `${COOLING_SECONDS}s`, reset_headers: ['retry-after'] },
  long: { script: ['429'], loop_script: true, reset: `${LONG_COOLING_SECONDS}s`, reset_headers: ['retry-after'] },
};

function gateway(world: Gateway): Promise<Harness> {
  const key = KEY_BEHAVIOUR[world];
  return startHarness({
    scenario: { keys: { 'sk-clients-openai-00001': key, 'sk-clients-anthropic-0001': key } },
    config: (sim) => ({
      providers: {
        sim: simProvider(sim, 'openai', 'sk-clients-openai-00001', { timeout: '60s' }),
        simant: simProvider(sim, 'anthropic', 'sk-clients-anthropic-0001', { timeout: '60s' }),
      },
      main: { provider: 'sim', model: 'sim-large' },
      fallback: [{ provider: 'simant', model: 'sim-large' }],
      // The defaults, but quick: a failing world should fail the way users see it, not slowly.
      retry: { max_retries: 2, auth_retries: 2, base_delay: '10ms', max_delay: '50ms', max_wait: '100ms' },
      // `anthropic`: the same answers from an Anthropic route only, for structured output on that route shape.
      auxiliary: { anthropic: { provider: 'simant', model: 'sim-large', fallback_to_main: false } },
      // The model names the agents ask for with their default settings (Claude Code's claude-opus-5-5, Codex's
      // gpt-6.1-sol), one glob per client family as docs/clients.md recommends: a mistyped name is a 404.
      gateway: { aliases: { 'claude-*': 'main', 'gpt-*': 'main' } },
      // The MCP server behind /mcp (docs/mcp.md): the simulator's, run by the gateway over stdio.
      mcp: { servers: { files: { command: [process.execPath, SWITCHYARD_BIN, 'sim', 'mcp', '--stdio'] } } },
    }),
  });
}

export async function startWorld(): Promise<World> {
  const ok = await gateway('ok');
  const failing = await gateway('failing');
  const cooling = await gateway('cooling');
  const long = await gateway('long');
  // Its keys are refused once before any client comes, so every error case meets the same gateway: each key known
  // to be rejected, every request a 502 `upstream_auth_failed` with `x-should-retry: false` at once.
  await fetch(`${failing.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${failing.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const recorder = await startRecorder({ target: ok.url });
  return {
    recorder,
    gateways: {
      ok: { url: ok.url, key: ok.key },
      failing: { url: failing.url, key: failing.key },
      cooling: { url: cooling.url, key: cooling.key },
      long: { url: long.url, key: long.key },
      badkey: { url: ok.url, key: WRONG_KEY },
    },
    use(name) {
      const h = { ok, failing, cooling, long, badkey: ok }[name];
      // Each long case meets a cooldown of the whole minute, not what an earlier case left of it.
      if (name === 'long') for (const provider of ['sim', 'simant']) long.store.resetHealth(provider);
      recorder.retarget(h.url);
      recorder.take();
      return name === 'badkey' ? WRONG_KEY : h.key;
    },
    async close() {
      await recorder.close();
      await ok.close();
      await failing.close();
      await cooling.close();
      await long.close();
    },
  };
}
