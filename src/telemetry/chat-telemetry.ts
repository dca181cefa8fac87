// The span per library call (`chat {model}`, kind CLIENT, GenAI conventions) and the GenAI client metrics, made
// from the call's record when it is over, off the call's tick (library/call-readers.ts,
// docs/observability.md#traces). Inert without an SDK.
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Usage } from '../providers/types.ts';
import { isBlockBoundary } from '../providers/block-boundaries.ts';
import type { StreamHook } from '../calls/stream-hook.ts';
import { RESENT_OUTCOMES, type AnsweredBy, type Attempt } from '../calls/types.ts';
import type { CallRecord } from '../calls/types.ts';
import { ATTR, SCOPE, genAiConventions, type GenAiConventions } from './semconv.ts';
import { attemptPlaces, attemptSpans, type ProviderName } from './attempt-spans.ts';
import { genAiInstruments, recordTokens, type GenAiInstruments } from './genai-metrics.ts';
import { metricsOn, tracingOn } from './active.ts';
import { callerKey, callerUser } from './caller.ts';
import { VERSION } from '../version.ts';
import type { Explanation } from '../errors/explanation.ts';
import { explanationAttributes } from './advice-attributes.ts';

export interface ChatCall {
  task: string;
  /** The route asked for first: the span's `gen_ai.request.model`. */
  first: { provider: string; model: string };
  stream: boolean;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  providerName: ProviderName;
  now: () => number;
  env: Readonly<Record<string, string | undefined>>;
}

/** The call's span and metrics; `undefined` from startChat when no SDK listens. */
export class ChatTelemetry {
  readonly #call: ChatCall;
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #parent: Context;
  readonly #metrics: GenAiInstruments | undefined;
  readonly #conventions: GenAiConventions;
  readonly #started: number;
  #ended = false;

  constructor(call: ChatCall) {
    this.#call = call;
    this.#conventions = genAiConventions(call.env);
    this.#tracer = trace.getTracer(SCOPE, VERSION);
    this.#started = call.now();
    const active = context.active();
    this.#span = this.#tracer.startSpan(
      `chat ${call.first.model}`,
      { kind: SpanKind.CLIENT, startTime: this.#started, attributes: this.#requestAttributes(active) },
      active,
    );
    this.#parent = trace.setSpan(active, this.#span);
    this.#metrics = metricsOn() ? genAiInstruments() : undefined;
  }

  #requestAttributes(active: Context): Attributes {
    const call = this.#call;
    const provider = call.providerName(call.first.provider);
    const attrs: Attributes = {
      [ATTR.operation]: 'chat',
      [ATTR.provider]: provider,
      [ATTR.requestModel]: call.first.model,
      [ATTR.stream]: call.stream,
      [ATTR.task]: call.task,
      [ATTR.switchyardProvider]: call.first.provider,
    };
    if (this.#conventions === 'dup') attrs[ATTR.system] = provider;
    if (call.maxTokens !== undefined) attrs[ATTR.maxTokens] = call.maxTokens;
    if (call.temperature !== undefined) attrs[ATTR.temperature] = call.temperature;
    const key = callerKey(active);
    if (key !== undefined) attrs[ATTR.clientKey] = key;
    const user = callerUser(active);
    if (user !== undefined) attrs[ATTR.endUser] = user;
    return attrs;
  }

  /** The call is over: its span is made of its record (calls/call-record.ts), off the call's tick. Once. */
  ended(r: CallRecord): void {
    if (this.#ended) return;
    const names = r.budgetWarnings?.map((w) => w.budget);
    if (names !== undefined && names.length > 0) this.#span.setAttribute(ATTR.budget, names);
    if (r.firstChunkNow !== undefined && r.answered !== undefined) {
      const seconds = (r.firstChunkNow - this.#started) / 1000;
      this.#span.setAttribute(ATTR.timeToFirstChunk, seconds);
      this.#metrics?.firstChunk.record(seconds, this.#metricAttributes(r.answered.provider, r.answered.model));
    }
    if (r.answered === undefined || r.error !== undefined) {
      this.#failed(r.error, r.trail, r.endedNow);
      return;
    }
    // Left by the caller before the end: what it got is all there is.
    if (r.streamEnd === 'cancelled') this.#span.setAttribute(ATTR.outcome, 'cancelled');
    const finish = r.finishReason === undefined ? [] : [r.finishReason];
    const answer = answerAttributes(r.responseModel ?? r.answered.model, r.responseId, finish, r.usage);
    this.#end(r.trail, answer, r.usage, r.endedNow);
  }

  /** A failed call (SwitchyardError's kind, `cancelled` for an abort). */
  #failed(err: unknown, trail: readonly Attempt[], at: number): void {
    const kind = failureKind(err);
    this.#span.setAttribute(ATTR.errorType, kind);
    const explained = (err as { explained?: Explanation } | null)?.explained;
    if (explained !== undefined) this.#span.setAttributes(explanationAttributes(explained));
    this.#span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
    this.#end(trail, undefined, undefined, at);
  }

  /** The time between a stream's chunks, when the metrics are on: a clock per event, not a fact of the call's
   * record, so the one hook of its own it runs on the stream (calls/stream-hook.ts). */
  chunkClock(answered: AnsweredBy): StreamHook | undefined {
    const m = this.#metrics;
    if (m === undefined) return undefined;
    const attrs = this.#metricAttributes(answered.provider, answered.model);
    let last: number | undefined;
    return {
      event: (event) => {
        // Not a chunk of the answer: the start, the finish, a block boundary.
        if (event.type === 'start' || event.type === 'finish' || isBlockBoundary(event)) return;
        const at = this.#call.now();
        if (last !== undefined) m.perChunk.record((at - last) / 1000, attrs);
        last = at;
      },
    };
  }

  #metricAttributes(provider: string, model: string): Attributes {
    return {
      [ATTR.operation]: 'chat',
      [ATTR.provider]: this.#call.providerName(provider),
      [ATTR.requestModel]: model,
    };
  }

  #end(trail: readonly Attempt[], answer: Attributes | undefined, usage: Usage | undefined, at: number): void {
    if (this.#ended) return;
    this.#ended = true;
    const span = this.#span;
    const places = attemptPlaces(trail);
    const sent = trail.filter((a) => a.credential !== undefined).length;
    span.setAttribute(ATTR.attempts, sent);
    span.setAttribute(ATTR.rotations, rotations(trail));
    span.setAttribute(ATTR.fallbackIndex, places.at(-1)?.fallbackIndex ?? 0);
    span.setAttribute(
      ATTR.waitMs,
      trail.reduce((n, a) => n + a.wait_ms, 0),
    );
    const answeredBy = [...trail].reverse().find((a) => a.outcome === 'ok');
    if (answeredBy) span.setAttribute(ATTR.route, answeredBy.route);
    if (answer) span.setAttributes(answer);
    if (tracingOn())
      attemptSpans(this.#tracer, this.#parent, trail, this.#call.providerName, this.#conventions, answer);
    this.#recordMetrics(trail, answer, usage);
    span.end(at);
  }

  #recordMetrics(trail: readonly Attempt[], answer: Attributes | undefined, usage: Usage | undefined): void {
    const m = this.#metrics;
    if (m === undefined) return;
    for (const a of trail) {
      if (a.credential === undefined) continue;
      const attrs = this.#metricAttributes(a.provider, a.model);
      if (a.outcome !== 'ok' && !RESENT_OUTCOMES.has(a.outcome)) attrs[ATTR.errorType] = a.outcome;
      else if (answer?.[ATTR.responseModel] !== undefined) attrs[ATTR.responseModel] = answer[ATTR.responseModel];
      m.duration.record(a.latency_ms / 1000, attrs);
    }
    const answeredBy = [...trail].reverse().find((a) => a.outcome === 'ok');
    if (usage && answeredBy) {
      const attrs = this.#metricAttributes(answeredBy.provider, answeredBy.model);
      if (answer?.[ATTR.responseModel] !== undefined) attrs[ATTR.responseModel] = answer[ATTR.responseModel];
      recordTokens(m.tokens, usage, attrs);
    }
  }
}

/** Starts the call's telemetry, or says there is none to make (no SDK registered). */
/** `call` is asked for only when an SDK listens: without one a call builds nothing (its object and closure were
 * ~0.1 µs a call). */
export function startChat(call: () => ChatCall): ChatTelemetry | undefined {
  if (!tracingOn() && !metricsOn()) return undefined;
  return new ChatTelemetry(call());
}

function answerAttributes(
  model: string,
  id: string | undefined,
  finish: string[],
  usage: Usage | undefined,
): Attributes {
  const attrs: Attributes = { [ATTR.responseModel]: model, [ATTR.finishReasons]: finish };
  if (id) attrs[ATTR.responseId] = id;
  if (usage) {
    attrs[ATTR.inputTokens] = usage.input_tokens;
    attrs[ATTR.outputTokens] = usage.output_tokens;
    if (usage.cache_read_tokens !== undefined) attrs[ATTR.cacheRead] = usage.cache_read_tokens;
    if (usage.cache_write_tokens !== undefined) attrs[ATTR.cacheCreation] = usage.cache_write_tokens;
    if (usage.reasoning_tokens !== undefined) attrs[ATTR.reasoning] = usage.reasoning_tokens;
  }
  return attrs;
}

/** Keys given up for another on the same route: each route's distinct keys less its first. */
function rotations(trail: readonly Attempt[]): number {
  const keys = new Map<string, Set<string>>();
  for (const a of trail) {
    if (a.credential === undefined) continue;
    const seen = keys.get(a.route) ?? new Set<string>();
    seen.add(a.credential.fingerprint);
    keys.set(a.route, seen);
  }
  let n = 0;
  for (const seen of keys.values()) n += seen.size - 1;
  return n;
}

/** Our failure kind as `error.type`: SwitchyardError's `kind`, `cancelled` for the caller's abort. */
function failureKind(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'AbortError') return 'cancelled';
    const kind = (err as { kind?: unknown }).kind;
    if (typeof kind === 'string') return kind;
  }
  return '_OTHER';
}
