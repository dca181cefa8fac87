// The request path shared by the chat APIs. Stream headers wait for the first event, so a fallback before it is
// invisible — unless the wait is long, when they go out with a keep-alive (stream-hold.ts); after them, a failure
// ends the stream with an error event, never a clean end.
import { performance } from 'node:perf_hooks';
import type { GatewayReply, GatewayRequest } from '../request/exchange.ts';
import type { ChatOptions, Attempt, ChatSuccess, Disabled, StreamSuccess } from '../../calls/types.ts';
import type { StreamEvent } from '../../providers/types.ts';
import { copySettings } from '../../providers/settings.ts';
import { answeringCredential } from '../../calls/call-record.ts';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import {
  checkModelName,
  resolveModel,
  shownModel,
  unknownModelMessage,
  type ModelTarget,
} from '../request/model-resolve.ts';
import { attemptsOf, type RequestState } from '../request/request-state.ts';
import { forwardedBetas } from '../wire/anthropic/beta.ts';
import { headerValue } from '../answer/header-value.ts';
import { logHangUp } from '../plugins/request-log.ts';
import type { WireApi, ParsedWire, WireParseOptions } from '../wire.ts';
import { WireRequestError } from '../../providers/translate/wire-error.ts';
import { failStream, startStreamReply, writeStream, type FramesLife } from '../stream/stream-writer.ts';
import { DEFAULT_HOLD_KEEPALIVE_MS, HOLD_FRAME, StreamHold } from '../stream/stream-hold.ts';
import {
  anyAnthropicRoute,
  routeWithoutAnthropic,
  routeWithoutCompaction,
  routeWithoutResponses,
  servesResponses,
} from '../conversations/responses-routes.ts';
import { tracingOn } from '../../telemetry/active.ts';
import { withCaller } from '../../telemetry/caller.ts';
import { usageHeaderValue } from '../records/usage-record.ts';
import { bodyDone, usageSettled } from '../records/request-end.ts';
import { guardAnswer, guardAnswerEvents } from '../answer/guard-answer.ts';
import { endOfTurn } from '../answer/turn-end.ts';
import { streamingSettings } from '../../config/streaming.ts';
import type { Obj } from '../../providers/translate/obj.ts';
import { keepTurn, openTurn, unportableFailure, wholeConversation } from '../conversations/conversation-turn.ts';
import { isSocketTurn } from '../conversations/socket-turn-mark.ts';
import { conversationHeader } from '../conversations/conversation-record.ts';
import { requestUser } from '../request/end-user.ts';

export interface WireBody {
  model: string;
  stream?: boolean;
}

/** Time the upstream accounted for: every attempt's latency and every wait before one. */
function upstreamMs(trail: readonly Attempt[]): number {
  let ms = 0;
  for (const a of trail) ms += a.latency_ms + a.wait_ms;
  return ms;
}

/** Aborts the upstream call when the client goes away and logs the hang-up once the call settles, so the line counts
 * the cancelled request. A drain timeout aborts it too, ending with the shutdown's error. */
function abortOnDisconnect(
  ctx: GatewayContext,
  req: GatewayRequest,
  reply: GatewayReply,
  sy: RequestState,
): AbortSignal {
  const controller = new AbortController();
  const run = sy.run;
  run.inFlight = ctx.inFlight.add((err) => {
    run.cutWith = err;
    controller.abort();
  });
  // `on`, not `once`: a response closes once, and once's wrapper is two more objects per request.
  reply.raw.on('close', () => {
    if (reply.raw.writableFinished) return;
    controller.abort();
    run.hungUp = true;
    if (!run.calling) logHangUp(ctx, req);
  });
  return controller.signal;
}

/** The router call is over (answered, failed or cancelled): a hang-up during it is logged now. */
function callSettled(ctx: GatewayContext, req: GatewayRequest, sy: RequestState): void {
  sy.run.calling = false;
  if (sy.run.hungUp) logHangUp(ctx, req);
  bodyDone(req);
}

/** The request's record waits for its call's, which comes once an attempt's usage is counted (calls/billed.ts,
 * routing/committed-stream.ts). */
function waitForCallRecord(ctx: GatewayContext, req: GatewayRequest, sy: RequestState): void {
  sy.run.usagePending = true;
  const onCall = (): void => usageSettled(ctx, req);
  sy.run.onCall = onCall;
}

function chatOptions(
  parsed: ParsedWire,
  target: { task: string; route?: { provider: string; model: string } },
  signal: AbortSignal,
  trail: Attempt[],
  sy: RequestState,
): ChatOptions {
  const canonical = parsed.request;
  const opts = copySettings<ChatOptions>({ task: target.task, messages: canonical.messages, signal, trail }, canonical);
  // The call's record, kept for the request's (request-end.ts): told before the call's result or error comes back.
  const onRecord: ChatOptions['onRecord'] = (record) => {
    sy.run.call = record;
    const then = sy.run.onCall;
    sy.run.onCall = undefined;
    then?.();
  };
  opts.onRecord = onRecord;
  if (target.route) opts.route = target.route;
  if (parsed.needs !== undefined) opts.needs = parsed.needs;
  return opts;
}

/** What a shape's parse may ask of the gateway's settings and the request's chain. */
function parseOptions(settings: GatewayContext['settings'], target: ModelTarget): WireParseOptions {
  return {
    hostedTools: settings.hostedTools,
    routeWithoutResponses: () => routeWithoutResponses(settings.loaded.config, target),
    routeWithoutAnthropic: () => routeWithoutAnthropic(settings.loaded.config, target),
    anyAnthropicRoute: () => anyAnthropicRoute(settings.loaded.config, target),
    routeWithoutCompaction: () => routeWithoutCompaction(settings.loaded.config, target),
  };
}

function disabledError(task: string, reason: string): ApiError {
  return new ApiError(
    'permission',
    `task ${task} is disabled in the gateway's config (${reason}); enable it under auxiliary.${task} or use another model`,
    { code: 'task_disabled' },
  );
}

export async function serveChat(
  ctx: GatewayContext,
  wire: WireApi,
  req: GatewayRequest,
  reply: GatewayReply,
): Promise<unknown> {
  const sy = req.sy as RequestState;
  const { asked, run } = sy;
  const keyName = sy.caller?.keyName;
  // Its route's body schema was checked first (chat-completions.ts, messages.ts; chat-lane.ts).
  const body = req.body as WireBody;
  asked.model = shownModel(body.model);
  checkModelName(body.model);
  const settings = ctx.settings;
  const named = resolveModel(settings.models, body.model);
  // A shape served as a task of its own (a compaction: `compression`) keeps only the route the caller named.
  const target = named && wire.task !== undefined ? { ...named, task: wire.task } : named;
  if (!target)
    throw new ApiError('not_found', unknownModelMessage(settings.models, body.model), {
      code: 'model_not_found',
      param: 'model',
    });
  asked.target = target;
  // The end user, from the body when its key reads it there (end-user.ts); a header's was read at auth.
  const user = requestUser(asked, sy.caller?.userPolicy, wire.api, body);
  // Said on failures too: a mistyped name caught by `"*"` is what a user most needs to see.
  if (target.alias !== undefined) reply.header('x-switchyard-alias', headerValue(target.alias));
  const conversation = wire.conversations
    ? await openTurn(ctx, keyName, body as unknown as Obj, Date.now(), isSocketTurn(req.headers))
    : undefined;
  const source = wire.readsConversations
    ? await wholeConversation(ctx, keyName, body as unknown as Obj, Date.now())
    : (conversation?.continued?.body ?? body);
  // Only the fields the canonical request has survive: nothing in the body can pick an upstream URL or key.
  const parsed = wire.parsesAlone === true ? wire.parse(source) : wire.parse(source, parseOptions(settings, target));
  if (parsed.needsCounted !== undefined) await countedNeeds(parsed);
  if (parsed.droppedTools !== undefined && parsed.droppedTools.length > 0) asked.droppedTools = parsed.droppedTools;
  const header = req.headers['anthropic-beta'];
  const beta = forwardedBetas(parsed.betas === undefined ? header : [...[header ?? []].flat(), ...parsed.betas]);
  if (beta !== undefined) parsed.request.anthropic_beta = beta;
  // The gateway's own trail array: a cancelled call rejects without one (see logHangUp).
  const trail: Attempt[] = (run.trail = []);
  const opts = chatOptions(parsed, target, abortOnDisconnect(ctx, req, reply, sy), trail, sy);
  const onRecordLater = (): void => waitForCallRecord(ctx, req, sy);
  opts.onRecordLater = onRecordLater;
  // Budgets scoped to the client key apply (docs/budgets.md); `anonymous` and the like are names too.
  if (keyName !== undefined) opts.client_key = keyName;
  if (user !== undefined) opts.end_user = user;
  if (conversation !== undefined) keepTurn(ctx, sy, parsed, opts, conversation);
  if (body.stream === true && wire.buffered !== true) {
    asked.stream = true;
    return serveStream(ctx, wire, opts, req, reply, parsed);
  }
  // try/catch rather than a wrapper: no extra promise per request.
  let result: ChatSuccess | Disabled;
  run.calling = true;
  try {
    result = await callRouter(ctx, req, opts);
  } catch (err) {
    callSettled(ctx, req, sy);
    throw run.cutWith ?? unportableFailure(opts.owner, trail) ?? err;
  }
  // The call is over: what the caller is told of it comes from its record.
  if (result.status === 'ok')
    answeredBy(ctx, sy, opts, result, run.call?.credential ?? answeringCredential(result.trail));
  callSettled(ctx, req, sy);
  if (result.status === 'disabled') throw disabledError(result.task, result.reason);
  run.upstreamMs = upstreamMs(trail);
  answerHeaders(ctx, reply, sy);
  reply.header('x-switchyard-usage', usageHeaderValue(ctx, sy));
  const answer = wire.response(guardAnswer(req, result.response), parsed);
  await endOfTurn();
  return answer;
}

/** What the parse left to count (the conversation against Anthropic compaction's trigger), counted without holding
 * the event loop: its need set, or its error thrown as the parse would have. */
async function countedNeeds(parsed: ParsedWire): Promise<void> {
  const need = await parsed.needsCounted;
  if (need instanceof WireRequestError) throw need;
  if (need !== undefined) parsed.needs = need;
}

/** The router call, in the caller's trace (`traceparent`) and naming its client key when OpenTelemetry is on. */
function callRouter(
  ctx: GatewayContext,
  req: GatewayRequest,
  opts: ChatOptions & { stream: true },
): Promise<StreamSuccess | Disabled>;
function callRouter(ctx: GatewayContext, req: GatewayRequest, opts: ChatOptions): Promise<ChatSuccess | Disabled>;
function callRouter(
  ctx: GatewayContext,
  req: GatewayRequest,
  opts: ChatOptions & { stream?: boolean },
): Promise<ChatSuccess | StreamSuccess | Disabled> {
  if (!tracingOn()) return ctx.router.chat(opts);
  const sy = req.sy as RequestState;
  // The end user on the span only where the operator allows it (gateway.otel_end_user).
  const user = ctx.settings.loaded.config.gateway.otel_end_user ? sy.asked.user : undefined;
  return withCaller(req.headers, sy.caller?.keyName, () => ctx.router.chat(opts), user);
}

/** Who answered (once the call is over, or a stream committed): the route, its credential (call-record.ts
 * answeringCredential), the soft budgets it went over and, for a continued conversation, how it was sent. A route that
 * serves the Responses API was sent the request's Responses body, built-in tools and all, when it has one (a Responses
 * body on the chat path has none: wire/chat-responses-body.ts), so none were dropped. */
function answeredBy(
  ctx: GatewayContext,
  sy: RequestState,
  opts: ChatOptions,
  result: ChatSuccess | StreamSuccess,
  credential: string | undefined,
): void {
  const route = result.route;
  const passed = opts.responses_body !== undefined && servesResponses(ctx.settings.loaded.config, result);
  const dropped = passed ? undefined : sy.asked.droppedTools;
  const warnings = result.budget_warnings;
  const continued = sy.asked.continued;
  sy.answer = {
    route,
    credential,
    droppedTools: dropped,
    budgetWarning: warnings === undefined ? undefined : warnings.map((w) => w.message).join('; '),
    conversation: continued === undefined ? undefined : conversationHeader(continued, route, credential),
  };
}

/** Route, attempts and credential; while draining also `Connection: close`, set here rather than in an onSend hook
 * every response would pay for. */
function answerHeaders(ctx: GatewayContext, reply: GatewayReply, sy: RequestState): void {
  const answer = sy.answer;
  reply
    .header('x-switchyard-route', headerValue(answer?.route ?? ''))
    .header('x-switchyard-attempts', String(attemptsOf(sy)));
  if (answer !== undefined) {
    if (answer.droppedTools) reply.header('x-switchyard-dropped-tools', answer.droppedTools.join(', '));
    if (answer.conversation !== undefined) reply.header('x-switchyard-conversation', answer.conversation);
    // A fingerprint is hex: no encoding needed.
    if (answer.credential !== undefined) reply.header('x-switchyard-credential', answer.credential);
    if (answer.budgetWarning !== undefined)
      reply.header('x-switchyard-budget-warning', headerValue(answer.budgetWarning));
  }
  if (ctx.closing) reply.header('connection', 'close');
}

async function serveStream(
  ctx: GatewayContext,
  wire: WireApi,
  opts: ChatOptions,
  req: GatewayRequest,
  reply: GatewayReply,
  parsed: ParsedWire,
): Promise<unknown> {
  const sy = req.sy as RequestState;
  const encoder = wire.streamEncoder(parsed);
  const life: FramesLife = {
    started: false,
    // The request may be over already (a caller that hung up): its record goes now, unless the call's record was
    // said to come later (a held stream whose call failed with an estimate still being counted).
    settled: () => {
      if (sy.run.onCall === undefined) usageSettled(ctx, req);
    },
  };
  // A stream's usage is known at its end: sent as an HTTP trailer (docs/usage.md#seeing-it).
  const frames = {
    encoder,
    sy,
    life,
    usage: () => usageHeaderValue(ctx, sy),
  };
  const hold = holdFor(ctx, wire, req, reply);
  let committed: Committed;
  try {
    committed = await commitStream(ctx, req, opts);
  } catch (err) {
    hold?.stop();
    const res = hold?.open;
    if (res === undefined) throw err;
    return failStream(res, frames, err).then(() => reply);
  }
  hold?.stop();
  // The committed stream's call record comes when its hooks end, after its usage is estimated when the upstream
  // reported none (routing/committed-stream.ts): a caller that left may close the stream first.
  const settled = (): void => {
    if (sy.run.call !== undefined) usageSettled(ctx, req);
    else waitForCallRecord(ctx, req, sy);
  };
  life.settled = settled;
  const { first, events } = committed;
  sy.run.ttftMs = performance.now() - sy.arrival.started;
  // Held open, the head went out already: the route and key it was committed to are not known to it.
  if (hold?.open === undefined) {
    answerHeaders(ctx, reply, sy);
    streamHeaders(reply, sy);
  }
  // A caller gone before the first frame was written: the frames never run, so their cleanup is done here.
  reply.raw.once('close', () => {
    if (life.started) return;
    sy.run.streamEnd ??= 'cancelled';
    void (events.return?.() ?? Promise.resolve()).catch(() => {}).finally(life.settled);
  });
  const keepaliveMs = keepaliveOf(ctx, sy);
  await writeStream(hold?.open ?? startStreamReply(reply), {
    ...frames,
    first,
    events,
    ...(keepaliveMs !== undefined ? { keepaliveMs } : {}),
  });
  return reply;
}

/** A stream up to its commit: its route's events and the first of them. */
interface Committed {
  first: IteratorResult<StreamEvent>;
  events: AsyncIterator<StreamEvent>;
}

/** The router call up to the stream's commit (or its failure, thrown: until the head goes out it is an ordinary HTTP
 * error). */
async function commitStream(ctx: GatewayContext, req: GatewayRequest, opts: ChatOptions): Promise<Committed> {
  const sy = req.sy as RequestState;
  const run = sy.run;
  let result: StreamSuccess | Disabled;
  run.calling = true;
  try {
    result = await callRouter(ctx, req, { ...opts, stream: true });
  } catch (err) {
    callSettled(ctx, req, sy);
    throw run.cutWith ?? unportableFailure(opts.owner, opts.trail ?? []) ?? err;
  }
  // Committed to a route (or disabled): a hang-up from here on cancels no request, so its line is written at once.
  // The call's record comes when the stream ends; its headers, before, say the route and key it was committed to.
  if (result.status === 'ok') answeredBy(ctx, sy, opts, result, answeringCredential(result.trail));
  callSettled(ctx, req, sy);
  if (result.status === 'disabled') throw disabledError(result.task, result.reason);
  const events = guardAnswerEvents(req, result.events[Symbol.asyncIterator]());
  // Nothing is sent before the first event (but a long hold's keep-alives): until then a failure is an HTTP error.
  let first: IteratorResult<StreamEvent>;
  try {
    first = await events.next();
  } catch (err) {
    throw run.cutWith ?? err;
  }
  return { first, events };
}

/** An event stream's own headers, set on the reply before its head goes out; its usage comes in its trailer. */
function streamHeaders(reply: GatewayReply, sy: RequestState): void {
  reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no');
  sy.run.usagePending = true;
}

/** The keep-alive of a stream held back before its commit (stream-hold.ts), after the task's `streaming.keepalive`
 * (else DEFAULT_HOLD_KEEPALIVE_MS) of holding. None for a Responses WebSocket's turn: the socket is the caller's line,
 * with its own pings. */
function holdFor(ctx: GatewayContext, wire: WireApi, req: GatewayRequest, reply: GatewayReply): StreamHold | undefined {
  if (isSocketTurn(req.headers)) return undefined;
  const ms = keepaliveOf(ctx, req.sy as RequestState) ?? DEFAULT_HOLD_KEEPALIVE_MS;
  return new StreamHold(reply, HOLD_FRAME[wire.api], ms, (r) => {
    streamHeaders(r, req.sy as RequestState);
    if (ctx.closing) r.header('connection', 'close');
    return startStreamReply(r);
  });
}

/** The task's `streaming.keepalive` (its own over the top level's), if set. */
function keepaliveOf(ctx: GatewayContext, sy: RequestState): number | undefined {
  const config = ctx.settings.loaded.config;
  return streamingSettings(config.streaming, config.auxiliary[sy.asked.target?.task ?? 'main']?.streaming).keepaliveMs;
}
