// The one way a parsed call is served, whatever front door it came in at: decided (its key, its body's problems,
// the scenario's faults), recorded in the call book, answered on its transport, and billed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decide, type DecideInput, type Decision } from './decide.ts';
import { modelLimitProblem } from './model-limits.ts';
import { promptCacheUsage } from './prompt-cache.ts';
import { renderError } from './errors.ts';
import { respond, type RespondContext } from './respond.ts';
import { countPromptTokens } from '../calls/count-tokens.ts';
import type { SimRequest } from './request.ts';
import type { SimBilled } from './billing.ts';
import type { ApiName } from './scenario.ts';
import type { SimCallRecord } from './types.ts';
import type { Simulation } from './simulation.ts';

/** Where a call came in, beside its body: what decides and records it. */
export interface CallSite {
  api: ApiName;
  path: string;
  anthropicBeta?: string | string[] | undefined;
  /** A Bedrock call's signature, checked: its key, region and expiry. */
  signed?: { key: string; region: string; expired?: boolean };
  region?: string;
  /** A turn of the Responses API's WebSocket mode: its connection's number. */
  websocket?: number;
}

/** How a front door's answers differ from the plain OpenAI or Anthropic shape (respond.ts reads them). */
export type FrontDialect = Pick<RespondContext, 'azure' | 'gemini' | 'googleFront' | 'bedrock' | 'responses'>;

/** The site of a call at `path` as the API `api`, with the beta header it carried. */
export function siteOf(req: IncomingMessage, api: ApiName, path: string): CallSite {
  return { api, path, anthropicBeta: req.headers['anthropic-beta'] };
}

/** Serves a call that came over HTTP and is answered on its response, given up when the client goes away; the
 * dialect may depend on the call's context (a Responses answer on its sequence number). */
export async function serveOverHttp(
  sim: Simulation,
  http: { req: IncomingMessage; res: ServerResponse },
  request: SimRequest,
  at: CallSite,
  dialect: FrontDialect | ((ctx: RespondContext) => FrontDialect) = {},
): Promise<void> {
  const gone = new AbortController();
  http.res.on('close', () => gone.abort());
  await serveCall(sim, request, at, gone.signal, (ctx) =>
    respond(http.req, http.res, { ...ctx, ...(typeof dialect === 'function' ? dialect(ctx) : dialect) }),
  );
}

/** Decides a parsed call, records it, has `answer` carry the decision out on its transport, and books what that
 * billed. */
export async function serveCall(
  sim: Simulation,
  request: SimRequest,
  at: CallSite,
  gone: AbortSignal,
  answer: (ctx: RespondContext) => Promise<SimBilled | null>,
): Promise<void> {
  const scenario = sim.scenario();
  // A body the API accepts can still ask the served model for more output than it may write.
  request.problem ??= modelLimitProblem(
    at.api,
    request.body,
    request.model,
    request.model === undefined ? undefined : scenario.models[request.model],
  );
  const now = Date.now();
  const decision = decide(scenario, sim.states, decideInput(sim, request, at, now));
  // Counted as real models count, when asked; before the prompt cache, which cannot read more than the prompt.
  if (decision.answer.tokenCount === 'o200k') request.promptTokens = countPromptTokens(request.promptTexts);
  const cache = cacheRead(sim, request, decision, now);
  const call = callRecord(request, at, decision, now, cache);
  if (sim.keepBodies && request.raw !== undefined) call.body = request.raw;
  sim.book.record(call);
  sim.served++;
  sim.onCall?.(call, scenario);
  const signal = AbortSignal.any([sim.closing.signal, gone]);
  // A held call left before it was let go was never answered: nothing billed.
  if (decision.held === true && !(await sim.held.wait(signal))) return sim.book.settle(call, null);
  const bill = await answer({ request, decision, seq: sim.nextSeq(), seed: scenario.seed, signal, ...cache });
  sim.book.settle(call, bill);
}

/** What the decision reads of a call: its key (an issued token's client, an STS session's signer), its body's
 * problem and its region's step. */
function decideInput(sim: Simulation, request: SimRequest, at: CallSite, now: number): DecideInput {
  const { key } = request;
  const { signed } = at;
  const token = sim.oauth.check(key, now);
  // A session STS issued behaves as the key that assumed the role.
  const assumedBy = key === undefined ? undefined : sim.sts.signerOf(key);
  const region = signed !== undefined ? signed.region : at.region;
  const regionStep = region === undefined ? undefined : sim.regions()[region];
  return {
    api: at.api,
    key,
    model: request.model,
    promptTokens: request.promptTokens,
    now,
    ...(token.issued
      ? {
          issued:
            token.problem !== undefined ? { client: token.client, problem: token.problem } : { client: token.client },
        }
      : {}),
    ...(request.problem ? { requestProblem: request.problem.error } : {}),
    // A session past its expiry, well signed, is answered ExpiredTokenException (bedrock/answer.ts), as AWS does.
    ...(assumedBy !== undefined
      ? {
          issued:
            signed?.expired === true ? { client: assumedBy, problem: 'token_expired' as const } : { client: assumedBy },
        }
      : {}),
    ...(regionStep !== undefined ? { regionStep } : {}),
  };
}

/** A call that gets (some of) an answer went through the model, so it reads and fills the account's prompt cache. */
function cacheRead(
  sim: Simulation,
  request: SimRequest,
  decision: Decision,
  now: number,
): Pick<RespondContext, 'cache'> {
  const { key } = request;
  const answered = !['error', 'reset', 'timeout'].includes(decision.action.kind);
  if (!answered || !decision.answer.promptCache || key === undefined) return {};
  const scenario = sim.scenario();
  const account = sim.states.cacheOf(scenario.keys[key]?.account ?? key);
  return { cache: promptCacheUsage(request, account, now, decision.answer.promptCacheTtl) };
}

function callRecord(
  request: SimRequest,
  at: CallSite,
  decision: Decision,
  now: number,
  cache: Pick<RespondContext, 'cache'>,
): SimCallRecord {
  return {
    at: now,
    key: request.key ?? '',
    model: request.model ?? '',
    api: at.api,
    path: at.path,
    stream: request.stream,
    status: statusOf(decision.action, at.api),
    outcome: decision.outcome,
    images: request.images,
    fields: request.fields,
    cache_marks: request.cacheMarks,
    anthropic_beta: typeof at.anthropicBeta === 'string' ? at.anthropicBeta : null,
    roles: request.roles,
    billed: null,
    ended: false,
    ...(cache.cache !== undefined ? { prompt_cache: { ...cache.cache } } : {}),
    ...(at.websocket !== undefined ? { websocket: at.websocket } : {}),
  };
}

function statusOf(action: { kind: string; error?: string }, api: ApiName): number {
  if (action.kind === 'reset' || action.kind === 'timeout') return 0;
  if (action.kind !== 'error' || action.error === undefined) return 200;
  return renderError(api, action.error as Parameters<typeof renderError>[1], { promptTokens: 0 }).status;
}
