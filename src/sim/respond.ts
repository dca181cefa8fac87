// Carries out a decision on the wire: a normal answer (JSON or stream), an error body, or a transport fault
// (reset, timeout, cut, stall, an error inside a 200 stream).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { mask } from '../config/mask.ts';
import type { Decision } from './decide.ts';
import type { SimRequest } from './request.ts';
import { composeReply } from './reply.ts';
import type { CacheUsage } from './prompt-cache.ts';
import { renderError, type HttpReply } from './errors.ts';
import type { ErrorName } from './steps.ts';
import { azureError, withFilterResults, withPromptFilterChunk } from './fronts/azure/answer.ts';
import { GOOGLE_FRONT } from './fronts/vertex/request.ts';
import {
  bedrockError,
  converseAnswer,
  converseStream,
  encodeEvent,
  EVENT_STREAM_HEADERS,
} from './fronts/bedrock/answer.ts';
import { geminiAnswer, geminiBlocked, geminiError, geminiStream, type GeminiMeta } from './fronts/gemini/answer.ts';
import { openAiCompletion, openAiStream } from './fronts/openai/answer.ts';
import { anthropicMessage, anthropicStream } from './fronts/anthropic/answer.ts';
import { formatFrame, SSE_HEADERS, type SseFrame, type StreamPlan } from './sse.ts';
import { partialBill, promptBill, wholeBill, type SimBilled } from './billing.ts';
import { countTextTokens } from '../calls/count-tokens.ts';
import {
  compactionAnswer,
  failedResponse,
  numbering,
  outputItems,
  responsesAnswer,
  responsesStream,
  type ResponsesMeta,
} from './fronts/responses/answer.ts';
import type { Json } from './json.ts';
import type { SimReply } from './reply.ts';

/** A call at the Responses API (POST /v1/responses, its WebSocket, or /v1/responses/compact): answered in its shape. */
export interface ResponsesAnswer {
  meta: ResponsesMeta;
  /** POST /v1/responses/compact: the conversation's items, answered with a compaction object. */
  compact?: Json[];
  /** Called with the response's output items once its answer is made (the store keeps it for previous_response_id). */
  keep(output: Json[]): void;
}

export interface RespondContext {
  request: SimRequest;
  decision: Decision;
  /** A sequence number used by no other call of this simulator, for ids (`chatcmpl-sim-7`, `msg_sim_7`). */
  seq: number;
  /** Aborted when the server closes or the client goes away: pending waits end quietly. */
  signal: AbortSignal;
  /** Prompt-cache usage to report, when the `prompt_cache` answer option is on. */
  cache?: CacheUsage;
  /** The scenario's seed: values generated from a request's schema draw on it. */
  seed: number;
  /** Came in at Azure OpenAI's paths: answered in Azure's dialect of the OpenAI shape (fronts/azure/answer.ts). */
  azure?: boolean;
  /** Came in at a Gemini path (the Gemini API's or Vertex AI's): answered in Gemini's shape
   * (fronts/gemini/answer.ts). */
  gemini?: GeminiMeta['service'];
  /** An Anthropic model on Vertex AI: what Google's front refuses is a google.rpc.Status (fronts/vertex/request.ts). */
  googleFront?: boolean;
  /** Came in at Bedrock's Converse paths: answered in Converse's shape, streamed as AWS event-stream messages. */
  bedrock?: boolean;
  responses?: ResponsesAnswer;
}

/** Answers the call; resolves with what it billed (billing.ts), null for nothing. */
export async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RespondContext,
): Promise<SimBilled | null> {
  const { decision, request } = ctx;
  const refused = decision.action.kind === 'error' || decision.action.kind === 'reset';
  // The client left while the model was reading: the prompt is billed.
  if (!(await pause(decision.latencyMs, ctx.signal))) return refused ? null : promptBill(request.promptTokens);
  const headers = { ...baseHeaders(ctx), ...decision.headers };
  const action = decision.action;
  if (ctx.gemini !== undefined && action.kind === 'error' && action.error === 'content_filter')
    return geminiBlock(res, ctx, headers);
  switch (action.kind) {
    case 'error': {
      const rendered = renderedError(ctx, action.error);
      const google =
        ctx.gemini ??
        (ctx.googleFront === true && GOOGLE_FRONT.has(action.error) ? 'aiplatform.googleapis.com' : undefined);
      const e =
        ctx.bedrock === true
          ? bedrockError(action.error, rendered, request.problem?.detail)
          : google !== undefined
            ? geminiError(action.error, rendered, {
                model: request.model ?? '',
                promptTokens: request.promptTokens,
                service: google,
                ...retrySeconds(decision.headers),
                ...(decision.modelSpec ? { contextWindow: decision.modelSpec.context_window } : {}),
                ...(request.problem ? { detail: request.problem.detail } : {}),
              })
            : ctx.azure === true
              ? azureError(action.error, rendered, request.model ?? '')
              : rendered;
      res.writeHead(e.status, {
        ...(google !== undefined ? baseHeaders(ctx) : headers),
        ...e.headers,
        'content-type': e.contentType,
        'content-length': Buffer.byteLength(e.body),
      });
      res.end(e.body);
      return null;
    }
    case 'reset':
      // An RST, like a proxy or load balancer dropping the connection (the client sees ECONNRESET).
      req.socket.resetAndDestroy();
      return null;
    case 'timeout':
      // Say nothing; the connection stays open until the client gives up or the server closes. The model read the
      // prompt.
      return promptBill(request.promptTokens);
    default:
      if (request.stream) return streamAnswer(req, res, ctx, headers);
      return answerWhole(req, res, ctx, headers);
  }
}

/** The decided error as the request's API words it. */
export function renderedError(ctx: RespondContext, error: ErrorName): HttpReply {
  const { request, decision } = ctx;
  return renderError(request.api, error, {
    ...(request.model !== undefined ? { model: request.model } : {}),
    ...(request.key !== undefined ? { maskedKey: mask(request.key) } : {}),
    ...(request.problem
      ? { detail: request.problem.detail, param: request.problem.param, code: request.problem.code }
      : {}),
    ...(decision.modelSpec ? { contextWindow: decision.modelSpec.context_window } : {}),
    promptTokens: request.promptTokens,
  });
}

/** A rate limit's wait from the headers the scenario asked for, for Google's RetryInfo; none without them. */
function retrySeconds(headers: Record<string, string>): { retryS?: number } {
  const ms = headers['retry-after-ms'];
  const s = headers['retry-after'];
  if (ms !== undefined && Number.isFinite(Number(ms))) return { retryS: Math.ceil(Number(ms) / 1000) };
  if (s !== undefined && Number.isFinite(Number(s))) return { retryS: Number(s) };
  return Object.keys(headers).some((h) => h.includes('reset')) ? { retryS: 30 } : {};
}

/** Gemini's answer to a prompt its filters block: a 200 with no candidates, whole or as one stream chunk. */
function geminiBlock(res: ServerResponse, ctx: RespondContext, headers: Record<string, string>): null {
  const body = JSON.stringify(geminiBlocked(replyFor(ctx).reply, geminiMeta(ctx)));
  if (ctx.request.stream) {
    res.writeHead(200, { ...headers, ...SSE_HEADERS });
    res.end(formatFrame({ data: body }));
  } else {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
  return null;
}

function geminiMeta(ctx: RespondContext): GeminiMeta {
  return { responseId: `sim-${ctx.seq}`, model: ctx.request.model ?? '', service: ctx.gemini! };
}

function baseHeaders(ctx: RespondContext): Record<string, string> {
  const idHeader = ctx.request.api === 'openai' ? 'x-request-id' : 'request-id';
  return { [idHeader]: `req_sim_${ctx.seq}`, 'x-sim-outcome': ctx.decision.outcome };
}

/** Waits, unless aborted; false when the wait was cut short and the call should be dropped. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) return !signal.aborted;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

export function replyFor(ctx: RespondContext): { reply: SimReply; model: string } {
  const { request, seq } = ctx;
  const model = request.model ?? '';
  const options = {
    stopSequences: ctx.decision.answer.stopSequences,
    seed: ctx.seed,
    ...(ctx.cache ? { cache: ctx.cache } : {}),
    ...(ctx.decision.answer.tokenCount === 'o200k' ? { count: countTextTokens } : {}),
  };
  const reply = composeReply(
    request,
    model,
    request.api === 'openai' ? `call_sim_${seq}` : `toolu_sim_${seq}`,
    options,
  );
  if (ctx.responses !== undefined && ctx.responses.compact === undefined)
    ctx.responses.keep(outputItems(reply, ctx.responses.meta));
  return { reply, model };
}

/** Writes the decided answer (whole, or as a stream) on the response; resolves with what was billed. */
type Answerer = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RespondContext,
  headers: Record<string, string>,
) => Promise<SimBilled | null>;

const answerWhole: Answerer = async (req, res, ctx, headers) => {
  const { reply, model } = replyFor(ctx);
  const api = ctx.request.api;
  const action = ctx.decision.action;
  const responses = ctx.responses;
  let payload: unknown =
    responses !== undefined
      ? responses.compact !== undefined
        ? compactionAnswer(reply, responses.meta, responses.compact)
        : responsesAnswer(reply, responses.meta)
      : ctx.bedrock === true
        ? converseAnswer(reply)
        : ctx.gemini !== undefined
          ? geminiAnswer(reply, geminiMeta(ctx))
          : api === 'openai'
            ? openAiCompletion(reply, {
                id: `chatcmpl-sim-${ctx.seq}`,
                model,
                created: Math.floor(Date.now() / 1000),
                toolCallIds: ctx.decision.answer.toolCallIds,
              })
            : anthropicMessage(reply, { id: `msg_sim_${ctx.seq}`, model });
  if (api === 'openai' && ctx.gemini === undefined && ctx.decision.answer.omitUsage)
    delete (payload as Record<string, unknown>)['usage'];
  if (ctx.azure === true && action.kind !== 'stream_error')
    payload = withFilterResults(payload as Record<string, unknown>);
  if (action.kind === 'stream_error' && responses !== undefined) payload = failedResponse(responses.meta);
  else if (action.kind === 'stream_error') {
    // Without a stream, "an error inside a 200" is a 200 whose body is an error object (a Responses API's: a failed
    // response).
    payload = JSON.parse(
      ctx.bedrock === true
        ? converseStream(reply).error.data
        : ctx.gemini !== undefined
          ? geminiStream(reply, geminiMeta(ctx)).error.data
          : api === 'openai'
            ? openAiStream(reply, { id: '', model, created: 0 }, false).error.data
            : anthropicStream(reply, { id: '', model }).error.data,
    );
  }
  const body = JSON.stringify(payload);
  res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  if (action.kind === 'cut' || action.kind === 'stall') {
    // Half the promised bytes, then the socket dies (cut) or goes quiet (stall).
    const sent = await flushed(res, body.slice(0, Math.floor(body.length / 2)));
    if (sent && action.kind === 'cut') req.socket.destroy();
    // The model wrote the whole answer; the client got half of it (and cannot tell how much it used).
    return wholeBill(reply);
  }
  res.end(body);
  // An error inside a 200 is a refusal: nothing billed.
  return action.kind === 'stream_error' ? null : wholeBill(reply);
};

const streamAnswer: Answerer = async (req, res, ctx, headers) => {
  const { reply, model } = replyFor(ctx);
  const answer = ctx.decision.answer;
  const openaiPlan = (): StreamPlan =>
    openAiStream(
      reply,
      {
        id: `chatcmpl-sim-${ctx.seq}`,
        model,
        created: Math.floor(Date.now() / 1000),
        toolCallIds: ctx.decision.answer.toolCallIds,
      },
      ctx.request.includeUsage && !answer.omitUsage,
    );
  const plan: StreamPlan =
    ctx.responses !== undefined
      ? responsesStream(reply, ctx.responses.meta)
      : ctx.bedrock === true
        ? converseStream(reply)
        : ctx.gemini !== undefined
          ? geminiStream(reply, geminiMeta(ctx))
          : ctx.request.api === 'openai'
            ? ctx.azure === true
              ? withPromptFilterChunk(openaiPlan())
              : openaiPlan()
            : anthropicStream(reply, { id: `msg_sim_${ctx.seq}`, model });
  res.writeHead(200, { ...headers, ...(ctx.bedrock === true ? EVENT_STREAM_HEADERS : SSE_HEADERS) });
  res.flushHeaders();
  const number = ctx.responses !== undefined ? numbering() : undefined;
  const format = ctx.bedrock === true ? encodeEvent : formatFrame;
  return playStream(plan, reply, ctx, {
    send: (frame) => flushed(res, format(number === undefined ? frame : number(frame))),
    end: () => res.end(),
    cut: () => req.socket.destroy(),
  });
};

/** Where a stream's events go: an HTTP response's body, or a WebSocket (one message each). */
export interface StreamOut {
  /** Resolves false when the receiver is gone. */
  send(frame: SseFrame): Promise<boolean>;
  end(): void;
  /** Drops the connection without an end. */
  cut(): void;
}

/** Carries out the decision on a stream planned for it: the whole stream, or a fault at its place; resolves with what
 * was billed. */
export async function playStream(
  plan: StreamPlan,
  reply: SimReply,
  ctx: RespondContext,
  out: StreamOut,
): Promise<SimBilled> {
  const answer = ctx.decision.answer;
  const action = ctx.decision.action;
  const half = Math.max(1, Math.floor(plan.deltas.length / 2));
  const some = plan.deltas.slice(0, action.kind === 'cut' && answer.cutAfter !== undefined ? answer.cutAfter : half);
  const delivered: SseFrame[] = [];
  const write = (frames: SseFrame[]) => writeFrames(out, frames, ctx.decision.streamDelayMs, ctx.signal, delivered);
  const partial = (): SimBilled => partialBill(reply, delivered, answer.tokenCount);
  switch (action.kind) {
    case 'cut':
      if (await write([...plan.head, ...some])) out.cut();
      return partial();
    case 'stall':
      await write([...plan.head, ...some]);
      return partial();
    case 'stream_error':
      if (await write([...plan.head, ...(action.first ? [] : some), plan.error])) out.end();
      return partial();
    default:
      if (await write([...plan.head, ...plan.deltas, ...plan.tail])) {
        out.end();
        return wholeBill(reply);
      }
      return partial();
  }
}

/** Writes frames one by one (pausing between them if asked), noting each in `delivered` once written; false if the
 * receiver went away meanwhile. */
async function writeFrames(
  out: StreamOut,
  frames: SseFrame[],
  delayMs: number,
  signal: AbortSignal,
  delivered: SseFrame[],
): Promise<boolean> {
  for (const [i, frame] of frames.entries()) {
    if (i > 0 && !(await pause(delayMs, signal))) return false;
    if (!(await out.send(frame))) return false;
    delivered.push(frame);
  }
  return true;
}

/** Writes and waits until the bytes are handed to the socket, so a cut right after really sends them first. */
function flushed(res: ServerResponse, text: string | Uint8Array): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => res.write(text, (err) => resolve(!err && !res.destroyed)));
}
