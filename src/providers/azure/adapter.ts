// Azure OpenAI: the OpenAI chat body at Azure's paths. base_url is the resource (`https://RES.openai.azure.com`);
// with `api_version:` a call goes to the deployment the model names (`/openai/deployments/{model}/chat/completions
// ?api-version=…`), without it to the v1 API (`/openai/v1/chat/completions`, the model in the body). The key goes in
// `api-key` (auth-header.ts); an Entra ID token as `auth: { header: authorization }`.
import { upstreamTarget, type UpstreamTarget } from '../http.ts';
import { openAIShapedAdapter, type OpenAIDialect } from '../openai/adapter.ts';
import type { ProviderAdapter, SendContext } from '../types.ts';

/** What base_url names: the resource, its `/openai` path, or the v1 endpoint itself (as Azure's portal shows it). A
 * path already given is not doubled. */
type BaseKind = 'resource' | 'openai' | 'v1';

function baseKind(base: string): BaseKind {
  const q = base.indexOf('?');
  const path = (q < 0 ? base : base.slice(0, q)).replace(/\/+$/, '');
  if (/\/openai\/v1$/.test(path)) return 'v1';
  return /\/openai$/.test(path) ? 'openai' : 'resource';
}

/** A deployment's path (`/deployments/{d}/chat/completions`) with api_version, else the v1 path. */
function target(ctx: SendContext, deploymentPath: string, v1Path: string): UpstreamTarget {
  const kind = baseKind(ctx.baseUrl);
  // The v1 endpoint serves only the v1 API.
  if (kind === 'v1') return upstreamTarget(ctx.baseUrl, v1Path);
  const prefix = kind === 'openai' ? '' : '/openai';
  if (ctx.apiVersion === undefined) return upstreamTarget(ctx.baseUrl, `${prefix}/v1${v1Path}`);
  return upstreamTarget(ctx.baseUrl, `${prefix}${deploymentPath}?api-version=${encodeURIComponent(ctx.apiVersion)}`);
}

const AZURE: OpenAIDialect = {
  type: 'azure',
  chat: (ctx, model) => target(ctx, `/deployments/${encodeURIComponent(model)}/chat/completions`, '/chat/completions'),
  // The deployments API lists the resource's models (what may be deployed), not its deployments.
  models: (ctx) => target(ctx, '/models', '/models'),
  // Azure's reasoning models refuse `max_tokens`, and every current api-version takes `max_completion_tokens`.
  maxTokensField: () => 'max_completion_tokens',
};

export const azureAdapter: ProviderAdapter = openAIShapedAdapter(AZURE);
