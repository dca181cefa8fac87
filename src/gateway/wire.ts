// The API shapes the gateway speaks (OpenAI chat completions, Anthropic messages, OpenAI responses), over the
// providers' pure translators: parse a wire body to the canonical request, turn a canonical response or stream into
// the caller's shape, and write a mid-stream failure as that stream's own error event.
import { isObj, type Obj } from '../providers/translate/obj.ts';
import { COMPACTION_TASK, parseCompactRequest, toCompactResponse } from './wire/responses/compact.ts';
import { asCompactionResponse, compactionTurnEncoder } from './wire/responses/compaction-stream.ts';
import { checkCompactionEdit } from './wire/anthropic/compaction.ts';
import type { CountedNeed } from './wire/counted-need.ts';
import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResponse, StreamEvent, WireBody } from '../providers/types.ts';
import type { RouteNeed } from '../calls/types.ts';
import { toOpenAIResponse } from './wire/openai/answer.ts';
import { parseOpenAIRequest } from './wire/openai/request.ts';
import { isResponsesShaped, parseResponsesShapedChat } from './wire/chat-responses-body.ts';
import { OpenAIChunkEncoder, openAISseFrame, OPENAI_SSE_DONE, withoutNullUsage } from './wire/openai/stream.ts';
import { dispatch } from '../providers/translate/event-methods.ts';
import { toAnthropicResponse } from './wire/anthropic/answer.ts';
import { parseAnthropicRequest } from './wire/anthropic/request.ts';
import { AnthropicEventEncoder } from './wire/anthropic/stream.ts';
import { namedSseFrame } from '../providers/sse.ts';
import { parseResponsesRequest, type HostedToolsPolicy, type ResponseEcho } from './wire/responses/request.ts';
import { toResponsesResponse, type ResponsesAnswerOptions } from './wire/responses/answer.ts';
import type { NamespaceNames } from './wire/responses/namespace.ts';
import { createResponsesEventEncoder } from './wire/responses/stream.ts';
import { RESPONSES_FRAME_KEY } from '../providers/openai-responses/stream.ts';
import { anthropicErrorBody, ApiError, openaiErrorBody, type Api } from './answer/api-error.ts';
import { MalformedAnswer } from '../providers/translate/answer-check.ts';
import { refuseThread } from './wire/anthropic/thread.ts';
import { estimateTokens } from '../routing/chain.ts';
import { bodyRead } from './request/json-body.ts';

export interface ParsedWire {
  request: ChatRequest;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage?: boolean;
  /** OpenAI `stream_options.include_obfuscation: false`: an OpenAI upstream's padded chunks are not sent on as they
   * are (the padding is OpenAI's default, and the gateway does not pass the option on). */
  noObfuscation?: true;
  /** Responses API: tools declared `type: "custom"`, whose calls are answered as custom tool calls. */
  customTools?: ReadonlySet<string>;
  /** Responses API: the request's settings its response object repeats. */
  echo?: ResponseEcho;
  /** Responses API: the flattened names of namespaced tools, whose calls are answered inside their namespace. */
  namespaces?: NamespaceNames;
  /** Responses API: built-in tools left out of the request (`x-switchyard-dropped-tools`). */
  droppedTools?: string[];
  /** Anthropic: the body's `betas`, one set with the `anthropic-beta` header's. */
  betas?: string[];
  /** Responses API: the input ends with `compaction_trigger`, answered as one compaction item. */
  compactionTurn?: true;
  /** Responses compaction: the caller's user messages, answered before the compaction item. */
  compactUserItems?: Obj[];
  /** Responses API: told the finished response object (whole, or the stream's last), under the gateway's own id, and
   * the upstream's id for it, for the conversation record. */
  onAnswer?: (response: Obj, upstreamId: string) => void;
  /** What only some routes can do for this request (Anthropic's compaction past its trigger): the rest are skipped. */
  needs?: RouteNeed;
  /** `needs`, once the conversation is counted (on the count worker): awaited before the call, its error thrown. */
  needsCounted?: CountedNeed;
}

/** The gateway's settings a body is parsed under. */
export interface WireParseOptions {
  hostedTools: HostedToolsPolicy;
  /** The first route of the chain that does not serve the Responses API (responses-routes.ts). */
  routeWithoutResponses?: () => string | undefined;
  /** The first route of the chain that is not Anthropic's (responses-routes.ts). */
  routeWithoutAnthropic?: () => string | undefined;
  /** Whether any route of the chain is Anthropic's (responses-routes.ts). */
  anyAnthropicRoute?: () => boolean;
  /** The first route of the chain that neither serves the Responses API nor is Anthropic's (responses-routes.ts). */
  routeWithoutCompaction?: () => string | undefined;
}

export interface StreamEncoder {
  /** SSE text for one canonical event (may be empty). */
  encode(ev: StreamEvent): string;
  /** The bytes to send for these events when the upstream's own frames for them (`bytes`, with frame key `key`:
   * event-sink.ts `verbatim`) say what this encoder would: themselves, or with a field the caller did not ask for
   * taken out. Undefined: the events are encoded here. */
  passOn?(key: string, events: readonly StreamEvent[], bytes: Uint8Array): Uint8Array | undefined;
  /** SSE text that ends a complete stream. */
  end(): string;
  /** SSE text reporting a failure after the stream began; the stream then closes without its clean end. */
  error(err: ApiError): string;
}

export interface WireApi {
  api: Api;
  /** The task a request of this shape is served as, whatever model it names (its route, if it names one, stays). */
  task?: string;
  /** Never streamed, whatever `stream` says. */
  buffered?: true;
  /** Its turns are kept in the gateway's conversation record and may continue one (`previous_response_id`). */
  conversations?: true;
  /** It may name a recorded conversation (`previous_response_id`), read whole from the record, but keeps no turn of
   * its own: a compaction. */
  readsConversations?: true;
  /** Its parse reads no options (the OpenAI shape): serve-chat makes none, and none of their closures, per request. */
  parsesAlone?: true;
  parse(body: unknown, options?: WireParseOptions): ParsedWire;
  response(res: ChatResponse, parsed: ParsedWire): object;
  streamEncoder(parsed: ParsedWire): StreamEncoder;
}

export const openaiWire: WireApi = {
  api: 'openai',
  parsesAlone: true,
  // Cursor sends some models' turns as Responses bodies here (wire/chat-responses-body.ts).
  parse: (body) =>
    isResponsesShaped(body) ? parseResponsesShapedChat(body) : withWireBody(parseOpenAIRequest(body), body),
  response: (res) => toOpenAIResponse(res),
  streamEncoder(parsed) {
    const chunks = new OpenAIChunkEncoder({ includeUsage: parsed.includeUsage === true });
    const encode = withStart((ev) => dispatch(chunks, ev));
    let started = false;
    return {
      encode: (ev) => {
        // Most of a stream is text deltas: their frames are spelt directly (the same bytes).
        if (ev.type === 'text' && started) return chunks.textFrame(ev.text);
        started = true;
        const out = encode(ev);
        return out.length === 1 ? openAISseFrame(out[0]) : out.map(openAISseFrame).join('');
      },
      passOn: (key, events, bytes) => {
        if (!started || parsed.noObfuscation === true) return undefined;
        const how = chunks.passOn(key, events);
        return how === 'as_is' ? bytes : how === 'without_null_usage' ? withoutNullUsage(bytes) : undefined;
      },
      end: () => OPENAI_SSE_DONE,
      // OpenAI-compatible servers report a failure inside a stream as a data frame holding an `error` object.
      error: (err) => openAISseFrame(openaiErrorBody(err)),
    };
  },
};

/** The caller's bytes beside what they were read as, when the body was parsed from them (json-body.ts): a route of
 * the caller's shape is sent them, spliced (providers/openai/splice-body.ts, openai-responses/splice-body.ts,
 * anthropic/splice-body.ts). */
function withWireBody<T extends { request: ChatRequest }>(
  parsed: T,
  body: unknown,
  shape: WireBody['shape'] = 'openai_chat',
): T {
  const read = bodyRead(body);
  // A Responses body is passed on only while it is the request's own (not one rebuilt from a conversation's record).
  if (read === undefined || (shape === 'responses' && parsed.request.responses_body !== body)) return parsed;
  const wire: WireBody = { shape, bytes: read.bytes, body: body as Obj, request: { ...parsed.request } };
  if (read.elements !== undefined) wire.elements = read.elements;
  if (read.members !== undefined) wire.members = read.members;
  parsed.request.wire_body = wire;
  return parsed;
}

export const anthropicWire: WireApi = {
  api: 'anthropic',
  parse: (body, options) => {
    refuseThread(body);
    const parsed = withWireBody(parseAnthropicRequest(body), body, 'anthropic_messages');
    const routes =
      options?.routeWithoutAnthropic !== undefined && options.anyAnthropicRoute !== undefined
        ? { routeWithoutAnthropic: options.routeWithoutAnthropic, anyAnthropic: options.anyAnthropicRoute }
        : undefined;
    const needsCounted = checkCompactionEdit(body, parsed.request.messages, routes);
    return needsCounted === undefined ? parsed : { ...parsed, needsCounted };
  },
  response: (res) => asUpstreamFailure(() => toAnthropicResponse(res)),
  streamEncoder(parsed) {
    const blocks = new AnthropicEventEncoder({ promptTokens: () => estimateTokens(parsed.request.messages) });
    const encode = withStart((ev) => dispatch(blocks, ev));
    let started = false;
    return {
      encode: (ev) => {
        // Most of a stream is text deltas: their frames are spelt directly (the same bytes).
        if (ev.type === 'text' && started) return blocks.textFrame(ev.text);
        started = true;
        return asUpstreamFailure(() => encode(ev).map(namedSseFrame).join(''));
      },
      passOn: (key, events, bytes) => (started && blocks.passOn(key, events) ? bytes : undefined),
      // message_stop comes with the `finish` event; nothing follows it.
      end: () => '',
      error: (err) => namedSseFrame({ event: 'error', data: anthropicErrorBody(err) }),
    };
  },
};

/** The OpenAI Responses API: OpenAI's error shape, its own response object and stream events. */
/** POST /v1/responses/compact: a summary asked of the `compression` task's chain, answered as OpenAI's compacted
 * response (wire/responses/compact.ts). Never streamed. */
export const responsesCompactWire: WireApi = {
  api: 'openai',
  task: COMPACTION_TASK,
  buffered: true,
  readsConversations: true,
  parse: (body, options) => {
    const { request, userItems } = parseCompactRequest(body, options);
    return { request, compactUserItems: userItems };
  },
  response: (res, parsed) => toCompactResponse(res, parsed.compactUserItems ?? []),
  streamEncoder() {
    throw new Error('a compaction is never streamed');
  },
};

export const responsesWire: WireApi = {
  api: 'openai',
  conversations: true,
  parse: (body, options) => withWireBody(parseResponsesRequest(body, options), body, 'responses'),
  response: (res, parsed) => {
    const response = toResponsesResponse(res, responsesOptions(parsed));
    const answer =
      parsed.compactionTurn && res.responses_object === undefined
        ? asCompactionResponse(response, res.content)
        : response;
    parsed.onAnswer?.(answer as Obj, res.id);
    return answer;
  },
  streamEncoder(parsed) {
    const encoder = createResponsesEventEncoder(responsesOptions(parsed));
    const events = (ev: StreamEvent) => encoder.encode(ev);
    const encode = withStart(parsed.compactionTurn ? compactionTurnEncoder(events) : events);
    const answered = parsed.onAnswer;
    return {
      encode: (ev) => {
        const out = encode(ev);
        // A Responses route's own stream ends with its own response.completed, relayed as a responses_event.
        if (answered !== undefined && (ev.type === 'finish' || ev.type === 'responses_event'))
          tellAnswer(out, (response) => answered(response, encoder.upstreamId()));
        return out.map(namedSseFrame).join('');
      },
      // A Responses route's own frames, relayed as they came (providers/openai-responses/adapter.ts).
      passOn: (key, events, bytes) =>
        key === RESPONSES_FRAME_KEY && parsed.compactionTurn !== true && encoder.passOn(events) ? bytes : undefined,
      // response.completed comes with the `finish` event; the Responses API sends no [DONE].
      end: () => '',
      // `response.failed` (the response's own end: its status and error), then an `error` event, whose `error`
      // object is what the OpenAI SDK raises as APIError.
      error: (err) => {
        const body = openaiErrorBody(err);
        const failed = encoder.failed({ code: body.error.code ?? null, message: body.error.message });
        const data = {
          type: 'error',
          sequence_number: encoder.sequence(),
          code: body.error.code,
          message: body.error.message,
          param: body.error.param,
          error: body.error,
        };
        return [...failed, { event: 'error', data }].map(namedSseFrame).join('');
      },
    };
  },
};

/** The stream's last response object (`response.completed` / `.incomplete`), told to the conversation record. */
function tellAnswer(frames: readonly { event: string; data: unknown }[], answered: (response: Obj) => void): void {
  for (const f of frames) {
    if (f.event !== 'response.completed' && f.event !== 'response.incomplete') continue;
    const response = isObj(f.data) ? f.data['response'] : undefined;
    if (isObj(response)) answered(response);
  }
}

function responsesOptions(parsed: ParsedWire): ResponsesAnswerOptions {
  return {
    ...(parsed.customTools ? { customTools: parsed.customTools } : {}),
    ...(parsed.namespaces && parsed.namespaces.size > 0 ? { namespaces: parsed.namespaces } : {}),
    ...(parsed.echo ? { echo: parsed.echo } : {}),
  };
}

/** An answer the caller's shape cannot hold is the upstream's failure (502 or a stream error), never an answer with
 * made-up fields. */
function asUpstreamFailure<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (!(err instanceof MalformedAnswer)) throw err;
    throw new ApiError('upstream', `upstream answer was malformed: ${err.message}`, { code: 'invalid_response' });
  }
}

/** Every stream format opens with a start frame (OpenAI's role chunk, Anthropic's message_start, Responses'
 * response.created): make sure there is one even if the first canonical event is already content. */
function withStart<T>(encode: (ev: StreamEvent) => T[]): (ev: StreamEvent) => T[] {
  let started = false;
  return (ev) => {
    if (started) return encode(ev);
    started = true;
    // A Responses route's own stream opens with its own response.created.
    return ev.type === 'start' || ev.type === 'responses_event'
      ? encode(ev)
      : [...encode({ type: 'start', id: `msg_${randomUUID().replace(/-/g, '')}`, model: '' }), ...encode(ev)];
  };
}
