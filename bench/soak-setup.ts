// The world of `bench/soak.ts`: a simulator whose keys fail in every way the gateway handles, and a config that makes
// every path of the ladder run thousands of times in a few minutes.
import type { ScenarioInput } from '../src/sim/scenario.ts';

export const SOAK_SCENARIO: ScenarioInput = {
  seed: 11,
  stream_delay: 1,
  models: { 'sim-large': { context_window: 128_000 }, 'sim-small': { context_window: 8_000 } },
  keys: {
    'sk-soak-good-0001': { server_error_rate: 0.03, overloaded_rate: 0.02, reset_rate: 0.01, cut_rate: 0.02 },
    'sk-soak-flaky-0002': { transient_401_rate: 0.1 },
    'sk-soak-limited-0003': { rate_limit_after: 25, reset: 1_000, reset_headers: ['retry-after-ms'] },
    'sk-soak-claude-0004': { server_error_rate: 0.02, cut_rate: 0.02 },
  },
};

/** The gateway's config file, rewritten every few seconds (`edition` alternates two cooldowns) so hot reload runs
 * under load too. */
export function soakConfigYaml(simUrl: string, edition: number, extra = ''): string {
  // SOAK_STATE=redis://…: the same soak with health, breakers and client keys shared through Redis.
  const state = process.env['SOAK_STATE'] ?? 'sqlite';
  return `# bench/soak.ts, edition ${edition}
providers:
  mimo:
    type: openai
    base_url: ${simUrl}/v1
    api_keys: [sk-soak-good-0001, sk-soak-flaky-0002, sk-soak-limited-0003]
    models: { sim-large: { context_window: 128000 }, sim-small: { context_window: 8000 } }
  claude:
    type: anthropic
    base_url: ${simUrl}
    api_key: sk-soak-claude-0004
    models: { sim-large: {}, sim-small: {} }
main: { provider: mimo, model: sim-large }
fallback: [{ provider: claude, model: sim-large }]
auxiliary:
  title_generation: { provider: claude, model: sim-small }
retry: { max_retries: 1, auth_retries: 1, base_delay: 5ms, max_delay: 20ms, max_wait: 50ms }
credentials: { strategy: round_robin }
cooldowns: { rate_limited: ${edition % 2 === 0 ? 500 : 600}ms, quota: 2s, auth_suspect: 1s, rejected: 2s }
gateway: { listen: '127.0.0.1:0', require_keys: true, log_level: info, state: '${state}' }
${extra}`;
}
