// Vertex AI: a project's models in a region, `{base_url}/v1/projects/P/locations/R/publishers/PUB/models/M:METHOD`,
// with a Google access token as Bearer. Claude models (`claude-…`) are Anthropic's publisher, sent the Messages body
// through `rawPredict`/`streamRawPredict` with `anthropic_version: vertex-2023-10-16` in the body and the model in the
// path; the rest are Google's Gemini models through `generateContent`/`streamGenerateContent?alt=sse`. base_url is
// the region's endpoint (`https://us-east5-aiplatform.googleapis.com`, `https://aiplatform.googleapis.com` for
// `region: global`), or a private one.
import { upstreamTarget, type UpstreamTarget } from '../http.ts';
import { anthropicShapedAdapter, type AnthropicDialect } from '../anthropic/adapter.ts';
import { bareModel, geminiModelIds, geminiShapedAdapter, type GeminiDialect } from '../gemini/adapter.ts';
import type { ChatRequest, ProviderAdapter, SendContext, StreamEvent } from '../types.ts';
import { UserError } from '../../user-error.ts';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

function place(ctx: SendContext): { project: string; region: string } {
  if (ctx.vertex === undefined)
    throw new UserError(`providers.${ctx.provider}: a vertex provider needs project and region`);
  return ctx.vertex;
}

/** A base_url that already ends in `/v1` is not given another. */
function modelTarget(ctx: SendContext, publisher: string, model: string, method: string): UpstreamTarget {
  const { project, region } = place(ctx);
  const q = ctx.baseUrl.indexOf('?');
  const basePath = (q < 0 ? ctx.baseUrl : ctx.baseUrl.slice(0, q)).replace(/\/+$/, '');
  const version = /\/v1$/.test(basePath) ? '' : '/v1';
  const path = `/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(region)}/publishers/${publisher}/models/${bareModel(model)}:${method}`;
  return upstreamTarget(ctx.baseUrl, `${version}${path}`);
}

/** A publisher's models (the Model Garden's list). */
const publisherModels =
  (publisher: string) =>
  (ctx: SendContext): UpstreamTarget =>
    upstreamTarget(ctx.baseUrl, `/v1beta1/publishers/${publisher}/models?pageSize=1000`);

const CLAUDE: AnthropicDialect = {
  type: 'vertex',
  messages: (ctx, req, stream) => modelTarget(ctx, 'anthropic', req.model, stream ? 'streamRawPredict' : 'rawPredict'),
  models: publisherModels('anthropic'),
  modelIds: geminiModelIds,
  // The model is in the path; the version in the body, where Vertex reads it.
  body: ({ model: _model, ...rest }) => ({ anthropic_version: VERTEX_ANTHROPIC_VERSION, ...rest }),
};

const GEMINI: GeminiDialect = {
  type: 'vertex',
  call: (ctx, model, method) => modelTarget(ctx, 'google', model, method),
  models: publisherModels('google'),
};

/** Each publisher's half, whatever the model is called (the conformance suite runs each). */
export const vertexClaudeAdapter = anthropicShapedAdapter(CLAUDE);
export const vertexGeminiAdapter = geminiShapedAdapter(GEMINI);
const claude = vertexClaudeAdapter;
const gemini = vertexGeminiAdapter;

/** Claude models are Anthropic's on Vertex (`claude-sonnet-4-5@20250929`, `anthropic/claude-…`). */
const isClaude = (model: string): boolean => /^(anthropic\/)?claude-/.test(model);

export const vertexAdapter: ProviderAdapter = {
  type: 'vertex',
  send: (req: ChatRequest, ctx: SendContext) => (isClaude(req.model) ? claude : gemini).send(req, ctx),
  stream: (req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> =>
    (isClaude(req.model) ? claude : gemini).stream(req, ctx),
  listModels: async (ctx) => [...(await gemini.listModels(ctx)), ...(await claude.listModels(ctx))],
};
