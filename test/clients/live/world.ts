// What `npm run test:clients` drives the clients against: a gateway in front of the simulator that answers (an
// OpenAI-compatible main route, an Anthropic fallback), one where every route fails (each route's key rejected
// upstream: 502 `upstream_auth_failed`), one where every key is rate-limited (503 `all_keys_cooling` with a
// Retry-After of a few seconds), and the recording proxy every client talks to, pointed at one of them.
import { startHarness, simProvider, type Harness } from '../../gateway/harness.ts';
import { startRecorder, type Recorder } from '../record.ts';

/** How long the cooling world's keys stay rate-limited: the Retry-After its 503s carry. */
export const COOLING_SECONDS = 5;

export type WorldName = 'ok' | 'failing' | 'cooling';

export interface World {
  recorder: Recorder;
  /** Each gateway's own URL and client key, for trying a client by hand (`npm run test:clients -- --serve`). */
  gateways: Record<WorldName, { url: string; key: string }>;
  /** Points the recorder at that gateway and returns the client key it takes. */
  use(name: WorldName): string;
  close(): Promise<void>;
}

/** Every key's behaviour in each world: answering, rejected, or rate-limited for COOLING_SECONDS at every call. */
const KEY_BEHAVIOUR: Record<WorldName, Record<string, unknown>> = {
  ok: {},
  failing: { valid: false },
  cooling: { script: ['429'], loop_script: true, reset: `${COOLING_SECONDS}s`, reset_headers: ['retry-after'] },
};

function gateway(world: WorldName): Promise<Harness> {
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
      // The model names the agents ask for with their default settings (Claude Code's claude-opus-5-5, Codex's).
      gateway: { aliases: { '*': 'main' } },
    }),
  });
}

export async function startWorld(): Promise<World> {
  const ok = await gateway('ok');
  const failing = await gateway('failing');
  const cooling = await gateway('cooling');
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
    },
    use(name) {
      const h = { ok, failing, cooling }[name];
      recorder.retarget(h.url);
      recorder.take();
      return h.key;
    },
    async close() {
      await recorder.close();
      await ok.close();
      await failing.close();
      await cooling.close();
    },
  };
}
