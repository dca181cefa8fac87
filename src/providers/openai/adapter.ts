// OpenAI-compatible chat completions (OpenAI, DeepSeek, MiMo, OpenRouter, vLLM, …): POST {base_url}/chat/completions
// with a Bearer key; GET {base_url}/models. A Responses request to a provider that serves the Responses API goes to
// {base_url}/responses instead (../openai-responses/adapter.ts). Errors inside a 200 stream (`data: {"error": …}`) are classified and thrown.
// Azure OpenAI speaks the same body at other paths (../azure/adapter.ts): the adapter is made over a dialect that says where.
import { classifyStreamError } from '../../errors/classify.ts';
import { authHeaderFor, authHeaders } from '../auth-header.ts';
import { callSecrets } from '../call-secrets.ts';
import { fromClassification } from '../../errors/upstream-error.ts';
import { callJson, readAnswer, unreadAnswer, withModel, upstreamTarget, type UpstreamTarget } from '../http.ts';
import { eventJson, streamCall } from '../stream-call.ts';
import type { StreamHandler } from '../stream-call.ts';
import { createOpenAIChunkDecoder, openAIFrameKey, plainOpenAIText } from './stream.ts';
import { TextTemplate } from '../text-template.ts';
import { maxTokensFieldFor, toOpenAIRequest } from './request.ts';
import { splicedOpenAIBody } from './splice-body.ts';
import { fromOpenAIResponse } from './answer.ts';
import { listedIds } from '../listed-ids.ts';
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext, StreamEvent } from '../types.ts';
import { splitStops, stopAnswer, stopStream } from '../stop-sequences.ts';
import { goesToResponses, sendResponses, streamResponses } from '../openai-responses/adapter.ts';
import { jsonBody } from '../translate/json-bytes.ts';
import type { RequestBody } from '../translate/body-pieces.ts';

/** Where an OpenAI-shaped API takes its calls, and what it calls the output limit. */
export interface OpenAIDialect {
  type: ProviderAdapter['type'];
  chat(ctx: SendContext, model: string): UpstreamTarget;
  models(ctx: SendContext): UpstreamTarget;
  maxTokensField(ctx: SendContext): 'max_tokens' | 'max_completion_tokens';
}

const OPENAI: OpenAIDialect = {
  type: 'openai',
  chat: (ctx) => upstreamTarget(ctx.baseUrl, '/chat/completions'),
  models: (ctx) => upstreamTarget(ctx.baseUrl, '/models'),
  maxTokensField: (ctx) => maxTokensFieldFor(ctx.baseUrl),
};

function headers(ctx: SendContext, accept: string, type: ProviderAdapter['type']): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept,
    ...authHeaders(ctx.auth ?? authHeaderFor(type, undefined), ctx.apiKey),
    ...ctx.headers,
  };
}

function inBandError(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'error' in body ? (body as { error: unknown }).error : undefined;
}

/** What the upstream is sent: an OpenAI caller's own bytes, spliced, on OpenAI's own dialect (splice-body.ts);
 * otherwise the translation. */
function requestBody(dialect: OpenAIDialect, req: ChatRequest, ctx: SendContext, stream: boolean): RequestBody {
  const options = { stream, maxTokensField: dialect.maxTokensField(ctx) };
  const spliced = dialect.type === 'openai' ? splicedOpenAIBody(req, options) : undefined;
  return spliced ?? jsonBody(toOpenAIRequest(req, options));
}

async function send(dialect: OpenAIDialect, req: ChatRequest, ctx: SendContext): Promise<ChatResponse> {
  if (goesToResponses(req, ctx)) return sendResponses(req, ctx);
  const body = await callJson(ctx, {
    url: dialect.chat(ctx, req.model),
    method: 'POST',
    headers: headers(ctx, 'application/json', dialect.type),
    body: requestBody(dialect, req, ctx, false),
  });
  const res = readAnswer(() => fromOpenAIResponse(body), ctx.provider);
  if (res) return stopAnswer(withModel(res, req), splitStops(req.stop).kept);
  // Some compatible servers answer 200 with an error object instead of choices.
  throw unreadAnswer(ctx, inBandError(body) !== undefined ? body : undefined, 'answer had no choices');
}

function streamHandler(ctx: SendContext): StreamHandler {
  const decoder = createOpenAIChunkDecoder();
  const plain = new TextTemplate('"content":"', '"obfuscation":"');
  /** The frame key of the chunks `plain` matches (openAIFrameKey), when they have one. */
  let key: string | undefined;
  return {
    onEvent(e) {
      const text = e.event === undefined ? plain.match(e.data) : undefined;
      // An empty delta is nothing, as when parsed (a keep-alive of some servers): no event, and silence to the clocks.
      if (text !== undefined) return { events: text === '' ? [] : decoder.text(text), verbatim: key };
      if (e.data.trim() === '[DONE]') return { events: [], done: true };
      const chunk = eventJson(e, ctx, 'invalid_chunk', 'stream chunk');
      if (inBandError(chunk) !== undefined || e.event === 'error') {
        throw fromClassification(classifyStreamError(chunk, callSecrets(ctx)), ctx.provider, { midStream: true });
      }
      const events = decoder.push(chunk);
      const learnt = e.event === undefined ? plainOpenAIText(chunk) : undefined;
      if (learnt !== undefined && plain.learn(e.data, learnt)) key = openAIFrameKey(chunk);
      return { events };
    },
    onEnd: () => (decoder.complete ? decoder.end() : undefined),
  };
}

function stream(dialect: OpenAIDialect, req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent> {
  if (goesToResponses(req, ctx)) return streamResponses(req, ctx);
  const kept = splitStops(req.stop).kept;
  const events = streamCall(
    ctx,
    {
      url: dialect.chat(ctx, req.model),
      method: 'POST',
      headers: headers(ctx, 'text/event-stream', dialect.type),
      body: requestBody(dialect, req, ctx, true),
    },
    streamHandler(ctx),
  );
  return kept.length > 0 ? stopStream(events, kept) : events;
}

/** `{data: [{id: "gpt-4o", …}]}` → the ids. */
export function modelIds(body: unknown): string[] {
  return listedIds(body, 'data', 'id');
}

async function listModels(dialect: OpenAIDialect, ctx: SendContext): Promise<string[]> {
  return modelIds(
    await callJson(ctx, {
      url: dialect.models(ctx),
      method: 'GET',
      headers: headers(ctx, 'application/json', dialect.type),
    }),
  );
}

/** The chat-completions adapter over one dialect's paths. */
export function openAIShapedAdapter(dialect: OpenAIDialect): ProviderAdapter {
  return {
    type: dialect.type,
    send: (req, ctx) => send(dialect, req, ctx),
    stream: (req, ctx) => stream(dialect, req, ctx),
    listModels: (ctx) => listModels(dialect, ctx),
  };
}

export const openaiAdapter: ProviderAdapter = openAIShapedAdapter(OPENAI);
