// The Gemini API: POST {base_url}/v1beta/models/{model}:generateContent, or :streamGenerateContent?alt=sse, with the
// key in `x-goog-api-key`; GET {base_url}/v1beta/models. A prompt Gemini blocks (`promptFeedback.blockReason`, no
// candidates) is a `content_filter` failure; an error inside a 200 stream is classified and thrown. Vertex AI's
// Gemini models speak the same body at other paths (a dialect, as Azure's is of OpenAI's).
import { classifyStreamError } from '../../errors/classify.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { authHeaderFor, authHeaders } from '../auth-header.ts';
import { callSecrets } from '../call-secrets.ts';
import { callJson, readAnswer, upstreamTarget, withModel, type UpstreamTarget } from '../http.ts';
import { eventJson, streamCall, type StreamHandler } from '../stream-call.ts';
import { splitStops, stopAnswer, stopStream } from '../stop-sequences.ts';
import { createGeminiChunkDecoder } from './stream.ts';
import { toGeminiRequest } from './request.ts';
import { fromGeminiResponse, promptBlockOf } from './answer.ts';
import { listedIds } from '../listed-ids.ts';
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext, StreamEvent } from '../types.ts';
import { adapterOver } from '../dialect-adapter.ts';
import { jsonBody } from '../translate/json-bytes.ts';

/** Where a Gemini-shaped API takes its calls. */
export interface GeminiDialect {
  type: ProviderAdapter['type'];
  /** `method` is `generateContent` or `streamGenerateContent?alt=sse`. */
  call(ctx: SendContext, model: string, method: string): UpstreamTarget;
  models(ctx: SendContext): UpstreamTarget;
}

/** A base_url that already names the API version (`…/v1beta`, `…/v1`) is not given another. */
function versioned(base: string, path: string): UpstreamTarget {
  const q = base.indexOf('?');
  const basePath = (q < 0 ? base : base.slice(0, q)).replace(/\/+$/, '');
  return upstreamTarget(base, /\/v1(beta\d*)?$/.test(basePath) ? path : `/v1beta${path}`);
}

/** `models/gemini-2.5-flash` and `gemini-2.5-flash` name the same model. */
export const bareModel = (model: string): string => encodeURIComponent(model.replace(/^models\//, ''));

const GEMINI: GeminiDialect = {
  type: 'gemini',
  call: (ctx, model, method) => versioned(ctx.baseUrl, `/models/${bareModel(model)}:${method}`),
  models: (ctx) => versioned(ctx.baseUrl, '/models?pageSize=1000'),
};

function headers(ctx: SendContext, type: ProviderAdapter['type'], accept: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept,
    ...authHeaders(ctx.auth ?? authHeaderFor(type, undefined), ctx.apiKey),
    ...ctx.headers,
  };
}

function blocked(reason: string, ctx: SendContext, midStream: boolean): Error {
  return fromClassification(
    { kind: 'content_filter', code: reason, providerMessage: `the prompt was blocked (promptFeedback: ${reason})` },
    ctx.provider,
    { midStream },
  );
}

const inBandError = (body: unknown): boolean => typeof body === 'object' && body !== null && 'error' in body;

async function send(dialect: GeminiDialect, req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  const body = await callJson(ctx, {
    url: dialect.call(ctx, req.model, 'generateContent'),
    method: 'POST',
    headers: headers(ctx, dialect.type, 'application/json'),
    body: jsonBody(toGeminiRequest(req)),
  });
  if (inBandError(body)) throw fromClassification(classifyStreamError(body, callSecrets(ctx)), ctx.provider);
  const block = promptBlockOf(body);
  if (block !== undefined) throw blocked(block, ctx, false);
  const res = readAnswer(() => fromGeminiResponse(body), ctx.provider);
  return stopAnswer(withModel(res, req), splitStops(req.stop).kept);
}

function streamHandler(ctx: SendContext): StreamHandler {
  const decoder = createGeminiChunkDecoder();
  let first = true;
  return {
    onEvent(e) {
      const chunk = eventJson(e, ctx, 'invalid_chunk', 'stream chunk');
      if (inBandError(chunk))
        throw fromClassification(classifyStreamError(chunk, callSecrets(ctx)), ctx.provider, { midStream: !first });
      const block = promptBlockOf(chunk);
      if (block !== undefined) throw blocked(block, ctx, !first);
      first = false;
      return { events: readAnswer(() => decoder.push(chunk), ctx.provider) };
    },
    onEnd: () => (decoder.complete ? decoder.end() : undefined),
  };
}

function stream(dialect: GeminiDialect, req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> {
  const kept = splitStops(req.stop).kept;
  const events = streamCall(
    ctx,
    {
      url: dialect.call(ctx, req.model, 'streamGenerateContent?alt=sse'),
      method: 'POST',
      headers: headers(ctx, dialect.type, 'text/event-stream'),
      body: jsonBody(toGeminiRequest(req)),
    },
    streamHandler(ctx),
  );
  return kept.length > 0 ? stopStream(events, kept) : events;
}

/** `{models: [{name: "models/gemini-2.5-flash", …}]}` → the bare names. */
export function geminiModelIds(body: unknown): string[] {
  return listedIds(body, 'models', 'name').map((n) => n.replace(/^(publishers\/[^/]+\/)?models\//, ''));
}

async function listModels(dialect: GeminiDialect, ctx: SendContext): Promise<string[]> {
  return geminiModelIds(
    await callJson(ctx, {
      url: dialect.models(ctx),
      method: 'GET',
      headers: headers(ctx, dialect.type, 'application/json'),
    }),
  );
}

export function geminiShapedAdapter(dialect: GeminiDialect): ProviderAdapter {
  return adapterOver(dialect, { send, stream, listModels });
}

export const geminiAdapter: ProviderAdapter = geminiShapedAdapter(GEMINI);
