// The send context of one attempt: where it goes (a route's own base_url and auth before its provider's), with which
// key, through which proxy. One builder for the ladder and the live probe, so a probe reaches a provider as a request
// does.
import type { AuthConfig, ProviderConfig } from '../config/schema.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { SendContext } from '../providers/types.ts';
import { proxyFor } from '../providers/proxy.ts';
import { authHeaderFor } from '../providers/auth-header.ts';

/** A task's own settings that override its provider's (RouteSpec, ProbeTarget). */
export interface SendTarget {
  baseUrl?: string;
  auth?: AuthConfig;
}

export interface SendKey {
  provider: string;
  config: ProviderConfig;
  apiKey: string;
  timeoutMs: number;
}

export function sendContextFor(loaded: LoadedConfig, key: SendKey, target: SendTarget): SendContext {
  const { provider, config } = key;
  const baseUrl = target.baseUrl ?? config.base_url;
  const ctx: SendContext = { provider, baseUrl, apiKey: key.apiKey, headers: config.headers, timeoutMs: key.timeoutMs };
  const limits = loaded.config.limits;
  if (limits !== undefined) {
    ctx.maxAnswerBytes = limits.max_answer_bytes;
    ctx.maxEventBytes = limits.max_event_bytes;
  }
  if (config.api_version !== undefined) ctx.apiVersion = config.api_version;
  if (config.project !== undefined && config.region !== undefined)
    ctx.vertex = { project: config.project, region: config.region };
  if (config.type === 'bedrock' && config.region !== undefined) ctx.awsRegion = config.region;
  const auth = target.auth ?? config.auth;
  if (auth !== undefined) ctx.auth = authHeaderFor(config.type, auth);
  const proxy = proxyFor(config, provider, baseUrl, loaded.env, loaded.dotenv);
  if (proxy !== undefined) ctx.proxy = proxy;
  return ctx;
}
