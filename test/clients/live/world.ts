// What `npm run test:clients` drives the clients against: a gateway in front of the simulator that answers (an
// OpenAI-compatible main route, an Anthropic fallback), one where every route fails (each route's key rejected
// upstream: 502 `upstream_auth_failed`), and the recording proxy every client talks to, pointed at one or the other.
import { startHarness, simProvider, type Harness } from '../../gateway/harness.ts';
import { startRecorder, type Recorder } from '../record.ts';

/** The models the clients ask for with their default settings (Claude Code's, Codex's), served like `main`. */
export const CLIENT_MODELS = ['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-haiku-4-5', 'gpt-6.1-sol'];

export type WorldName = 'ok' | 'failing';

export interface World {
  recorder: Recorder;
  /** Each gateway's own URL and client key, for trying a client by hand (`npm run test:clients -- --serve`). */
  gateways: Record<WorldName, { url: string; key: string }>;
  /** Points the recorder at that gateway and returns the client key it takes. */
  use(name: WorldName): string;
  close(): Promise<void>;
}

function gateway(valid: boolean): Promise<Harness> {
  const models = Object.fromEntries(['sim-large', ...CLIENT_MODELS].map((m) => [m, {}]));
  return startHarness({
    scenario: { models, keys: { 'sk-clients-openai-00001': { valid }, 'sk-clients-anthropic-0001': { valid } } },
    config: (sim) => ({
      providers: {
        sim: simProvider(sim, 'openai', 'sk-clients-openai-00001', { models, timeout: '60s' }),
        simant: simProvider(sim, 'anthropic', 'sk-clients-anthropic-0001', { timeout: '60s' }),
      },
      main: { provider: 'sim', model: 'sim-large' },
      fallback: [{ provider: 'simant', model: 'sim-large' }],
      // The defaults, but quick: a failing world should fail the way users see it, not slowly.
      retry: { max_retries: 2, auth_retries: 2, base_delay: '10ms', max_delay: '50ms', max_wait: '100ms' },
    }),
  });
}

export async function startWorld(): Promise<World> {
  const ok = await gateway(true);
  const failing = await gateway(false);
  // Its keys are refused once before any client comes, so every error case meets the same gateway: each key known
  // to be rejected, every request a 502 `upstream_auth_failed` with `x-should-retry: false` at once.
  await fetch(`${failing.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${failing.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }) });
  const recorder = await startRecorder({ target: ok.url });
  return {
    recorder,
    gateways: { ok: { url: ok.url, key: ok.key }, failing: { url: failing.url, key: failing.key } },
    use(name) {
      const h = name === 'ok' ? ok : failing;
      recorder.retarget(h.url);
      recorder.take();
      return h.key;
    },
    async close() {
      await recorder.close();
      await ok.close();
      await failing.close();
    },
  };
}
