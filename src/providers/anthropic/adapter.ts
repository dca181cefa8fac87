// Anthropic Messages API: POST {base_url}/v1/messages with x-api-key and anthropic-version; GET {base_url}/v1/models.
// `event: error` (e.g. overloaded_error) inside a 200 stream is classified and thrown. Vertex AI serves the same body at
// its own paths (../vertex/adapter.ts): the adapter is made over a dialect that says where, and how the body differs.
import { classifyStreamError } from '../../errors/classify.ts';
import { authHeaderFor, authHeaders } from '../auth-header.ts';
import { callSecrets } from '../call-secrets.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { callJson, readAnswer, unreadAnswer, withModel, upstreamTarget, type UpstreamTarget } from '../http.ts';
import { modelIds } from '../openai/adapter.ts';
import { eventJson, streamCall } from '../stream-call.ts';
import type { StreamHandler } from '../stream-call.ts';
import { anthropicFrameKey, createAnthropicEventDecoder, plainAnthropicText } from './stream.ts';
import { TextTemplate } from '../text-template.ts';
import { splicedAnthropicBody } from './splice-body.ts';
import { toAnthropicRequest } from './request.ts';
import { fromAnthropicResponse } from './answer.ts';
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext, StreamEvent } from '../types.ts';
import { adapterOver } from '../dialect-adapter.ts';
import { jsonBody } from '../translate/json-bytes.ts';
import type { RequestBody } from '../translate/body-pieces.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

/** `https://api.anthropic.com` + `/v1/messages`; a base_url whose path already ends in `/v1` (before any query) is not
 * doubled. */
function url(ctx: SendContext, path: string): UpstreamTarget {
  const base = ctx.baseUrl;
  const q = base.indexOf('?');
  const basePath = (q < 0 ? base : base.slice(0, q)).replace(/\/+$/, '');
  return upstreamTarget(base, /\/v1$/.test(basePath) ? path : `/v1${path}`);
}

/** Where an Anthropic-shaped API takes its calls and what its body carries besides the Messages request. */
export interface AnthropicDialect {
  type: ProviderAdapter['type'];
  messages(ctx: SendContext, req: ChatRequest, stream: boolean): UpstreamTarget;
  models(ctx: SendContext): UpstreamTarget;
  /** The body as sent: Anthropic's own takes the request as it is. */
  body(wire: Record<string, unknown>): Record<string, unknown>;
  /** The `anthropic-version` header; none where the body says the version (Vertex). */
  versionHeader?: string;
  /** The model ids of the models list's answer; default Anthropic's and OpenAI's `data` list. */
  modelIds?: (body: unknown) => string[];
}

const ANTHROPIC: AnthropicDialect = {
  type: 'anthropic',
  messages: (ctx) => url(ctx, '/messages'),
  models: (ctx) => url(ctx, '/models?limit=1000'),
  body: (wire) => wire,
  versionHeader: ANTHROPIC_VERSION,
};

function headers(
  dialect: AnthropicDialect,
  ctx: SendContext,
  accept: string,
  req?: ChatRequest,
): Record<string, string> {
  const out: Record<string, string> = {
    'content-type': 'application/json',
    accept,
    ...authHeaders(ctx.auth ?? authHeaderFor(dialect.type, undefined), ctx.apiKey),
    ...(dialect.versionHeader !== undefined ? { 'anthropic-version': dialect.versionHeader } : {}),
    ...ctx.headers,
  };
  if (req?.anthropic_beta === undefined || req.anthropic_beta.length === 0) return out;
  // The config may spell the header in any case: merge into one, lower-case.
  const configuredKey = Object.keys(out).find((k) => k.toLowerCase() === 'anthropic-beta');
  const configured = configuredKey === undefined ? undefined : out[configuredKey];
  if (configuredKey !== undefined) delete out[configuredKey];
  out['anthropic-beta'] = betaHeader(configured, req.anthropic_beta) ?? '';
  return out;
}

/** The provider's configured betas and the caller's, each once. */
export function betaHeader(
  configured: string | undefined,
  requested: readonly string[] | undefined,
): string | undefined {
  if (requested === undefined || requested.length === 0) return configured;
  const all = new Set([...(configured ?? '').split(','), ...requested].map((b) => b.trim()).filter((b) => b !== ''));
  return [...all].join(',');
}

/** What the upstream is sent: an Anthropic caller's own bytes, spliced, on Anthropic's own dialect (splice-body.ts);
 * otherwise the translation. */
function requestBody(dialect: AnthropicDialect, req: ChatRequest, stream: boolean): RequestBody {
  const spliced = dialect.type === 'anthropic' ? splicedAnthropicBody(req, { stream }) : undefined;
  return spliced ?? jsonBody(dialect.body(toAnthropicRequest(req, { stream })));
}

async function send(dialect: AnthropicDialect, req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  const body = await callJson(ctx, {
    url: dialect.messages(ctx, req, false),
    method: 'POST',
    headers: headers(dialect, ctx, 'application/json', req),
    body: requestBody(dialect, req, false),
  });
  const res = readAnswer(() => fromAnthropicResponse(body), ctx.provider);
  if (res) return withModel(res, req);
  const isError = typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'error';
  throw unreadAnswer(ctx, isError ? body : undefined, 'answer was not a message');
}

function streamHandler(ctx: SendContext): StreamHandler {
  const decoder = createAnthropicEventDecoder();
  const plain = new TextTemplate('"text":"');
  /** The block of the text deltas `plain` matches, and their frame key. */
  let plainAt = -1;
  let key = '';
  return {
    onEvent(e) {
      const text = e.event === 'content_block_delta' ? plain.match(e.data) : undefined;
      if (text !== undefined) return { events: decoder.textDelta(plainAt, text), done: false, verbatim: key };
      const data = eventJson(e, ctx, 'invalid_event', 'stream event');
      if (
        e.event === 'error' ||
        (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'error')
      ) {
        throw fromClassification(classifyStreamError(data, callSecrets(ctx)), ctx.provider, { midStream: true });
      }
      const out = decoder.push(data);
      const learnt = e.event === 'content_block_delta' ? plainAnthropicText(data) : undefined;
      if (learnt !== undefined && plain.learn(e.data, learnt.text)) {
        plainAt = learnt.index;
        key = anthropicFrameKey(plainAt);
      }
      return out;
    },
    onEnd: () => decoder.end(),
  };
}

function stream(dialect: AnthropicDialect, req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> {
  return streamCall(
    ctx,
    {
      url: dialect.messages(ctx, req, true),
      method: 'POST',
      headers: headers(dialect, ctx, 'text/event-stream', req),
      body: requestBody(dialect, req, true),
    },
    streamHandler(ctx),
  );
}

async function listModels(dialect: AnthropicDialect, ctx: SendContext): Promise<string[]> {
  const body = await callJson(ctx, {
    url: dialect.models(ctx),
    method: 'GET',
    headers: headers(dialect, ctx, 'application/json'),
  });
  return (dialect.modelIds ?? modelIds)(body);
}

/** The Messages adapter over one dialect's paths and body. */
export function anthropicShapedAdapter(dialect: AnthropicDialect): ProviderAdapter {
  return adapterOver(dialect, { send, stream, listModels });
}

export const anthropicAdapter: ProviderAdapter = anthropicShapedAdapter(ANTHROPIC);
