// A live probe of one credential (`switchyard auth test`, `switchyard doctor`): one tiny chat request (max_tokens 1)
// on a model the provider serves in this config — it notices quota and rate limits, which a models list does not —
// or, when no model is known, a models list. The outcome is recorded in the credential's health, so a key that
// turns out fine after all comes back, and one that is rejected is set aside.
import type { LoadedConfig } from '../config/types.ts';
import type { CredentialPool } from '../credentials/pool.ts';
import type { Credential, CredentialSource, HealthRecord } from '../credentials/types.ts';
import type { ErrorKind } from '../errors/kinds.ts';
import { explainFailure } from '../errors/explain.ts';
import { restingText } from '../credentials/health.ts';
import { UpstreamError } from '../errors/upstream-error.ts';
import type { AdapterFor } from './call-context.ts';

export type ProbeStatus = 'valid' | 'rejected' | 'quota' | 'rate_limited' | 'unreachable' | 'error';

/** What a probe's failure kind says about the key. The key was accepted whenever the provider got past
 * authentication (an unknown model or a refused request still proves the key). */
export const PROBE_STATUS: Readonly<Record<ErrorKind, ProbeStatus>> = {
  auth_missing: 'rejected',
  auth_rejected: 'rejected',
  quota: 'quota',
  rate_limited: 'rate_limited',
  connection: 'unreachable',
  timeout: 'unreachable',
  server: 'error',
  overloaded: 'error',
  not_found: 'valid',
  bad_request: 'valid',
  context_length: 'valid',
  content_filter: 'valid',
};

export interface ProbeResult {
  provider: string;
  credential: { fingerprint: string; masked: string; sources: CredentialSource[] };
  status: ProbeStatus;
  latency_ms: number;
  /** `chat provider/model` or `models list`. */
  method: string;
  kind?: ErrorKind;
  http_status?: number;
  /** What happened, in words (explained failures); never a secret. */
  message: string;
}

const PROBE_TIMEOUT_MS = 15_000;

/** The model to probe with: the provider's model in the main chain, any route, or its first listed model. */
export function probeModel(loaded: LoadedConfig, provider: string): string | undefined {
  const c = loaded.config;
  const routes = [c.main, ...c.fallback, ...Object.values(c.auxiliary).flatMap((t) => [t.provider === provider && t.model ? { provider, model: t.model } : undefined, ...t.fallback_chain])];
  const named = routes.find((r) => r?.provider === provider)?.model;
  return named ?? Object.keys(c.providers[provider]?.models ?? {})[0];
}

export interface ProbeDeps {
  loaded: LoadedConfig;
  pool: CredentialPool;
  adapterFor: AdapterFor;
  now?: () => number;
  timeZone?: string;
}

export async function probeCredential(deps: ProbeDeps, credential: Credential): Promise<ProbeResult> {
  const now = deps.now ?? Date.now;
  const provider = credential.provider;
  const p = deps.loaded.config.providers[provider];
  const view = { fingerprint: credential.fingerprint, masked: credential.masked, sources: credential.sources.map((s) => ({ ...s })) };
  if (!p) return { provider, credential: view, status: 'error', latency_ms: 0, method: '-', message: `provider ${provider} is not configured` };
  const model = probeModel(deps.loaded, provider);
  const adapter = deps.adapterFor(p.type);
  const ctx = { provider, baseUrl: p.base_url, apiKey: credential.secret, headers: p.headers, timeoutMs: Math.min(p.timeout, PROBE_TIMEOUT_MS) };
  const method = model ? `chat ${provider}/${model}` : 'models list';
  const started = now();
  try {
    if (model) await adapter.send({ model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }, ctx);
    else await adapter.listModels(ctx);
    const resting = model ? undefined : restingForQuota(deps.pool, credential, now());
    if (resting) {
      // A models list is answered for a key that is out of quota: it proves the key, not that it may chat again.
      // Clearing the cooldown would send the next request straight into another 429.
      return { provider, credential: view, status: 'valid', latency_ms: now() - started, method, message: `accepted by the models list, which cannot tell quota: still set aside (${resting})` };
    }
    deps.pool.recordSuccess(credential);
    // Without a model to chat with, only the listing was tried: it proves the key, not that it has quota left.
    const message = model ? 'accepted' : 'accepted by the models list, which cannot tell quota or rate limits (name a model under the provider to test with a chat request)';
    return { provider, credential: view, status: 'valid', latency_ms: now() - started, method, message };
  } catch (err) {
    const latency = now() - started;
    if (!UpstreamError.isInstance(err)) throw err;
    const status = PROBE_STATUS[err.kind];
    const health = record(deps.pool, credential, err, status, now());
    const result: ProbeResult = { provider, credential: view, status, latency_ms: latency, method, kind: err.kind, message: probeMessage(deps, credential, err, model, health?.until) };
    if (err.status !== undefined) result.http_status = err.status;
    return result;
  }
}

/** `quota until 11:30:00`-style words when the key is resting for quota or a rate limit, else undefined. */
function restingForQuota(pool: CredentialPool, credential: Credential, now: number): string | undefined {
  const health = pool.candidates(credential.provider).find((c) => c.credential.fingerprint === credential.fingerprint)?.health;
  if (health?.state !== 'cooling' || (health.reason !== 'quota' && health.reason !== 'rate_limited') || health.until === undefined || health.until <= now) return undefined;
  return restingText(health.reason, health.until);
}

function record(pool: CredentialPool, credential: Credential, err: UpstreamError, status: ProbeStatus, now: number): HealthRecord | undefined {
  const message = err.providerMessage ? { message: err.providerMessage } : {};
  if (status === 'valid') return pool.recordSuccess(credential);
  if (status === 'rejected') return pool.recordFailure(credential, { kind: 'auth_rejected', ...message });
  if (err.kind === 'quota' || err.kind === 'rate_limited') {
    const resetAt = err.resetAt ?? (err.retryAfterMs !== undefined ? now + err.retryAfterMs : undefined);
    return pool.recordFailure(credential, { kind: err.kind, ...(resetAt !== undefined ? { resetAt } : {}), ...message });
  }
  // unreachable / provider errors say nothing about the key: its health is left alone.
  return undefined;
}

function probeMessage(deps: ProbeDeps, credential: Credential, err: UpstreamError, model: string | undefined, until: number | undefined): string {
  if (PROBE_STATUS[err.kind] === 'valid') return `accepted (the test request itself failed: ${err.kind}${err.providerMessage ? `: ${err.providerMessage}` : ''})`;
  const lastSuccessAt = deps.pool.candidates(credential.provider).find((c) => c.credential.fingerprint === credential.fingerprint)?.health.last_success_at;
  const p = deps.loaded.config.providers[credential.provider];
  return explainFailure({
    kind: err.kind, provider: credential.provider, key: { masked: credential.masked, sources: credential.sources }, providerMessage: err.providerMessage,
    ...(model ? { model } : {}), ...(p ? { baseUrl: p.base_url } : {}), ...(err.status !== undefined ? { status: err.status } : {}),
    ...(err.code !== undefined ? { code: err.code } : {}), ...(lastSuccessAt !== undefined ? { lastSuccessAt } : {}), ...(until !== undefined ? { until } : {}),
    ...(deps.timeZone ? { timeZone: deps.timeZone } : {}), now: deps.now?.() ?? Date.now(),
  });
}
