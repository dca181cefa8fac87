// The chain: routes in order until one succeeds, moving on as CHAIN_RULE says
// (docs/routing.md#the-chain-across-routes). When everything fails, one SwitchyardError with the trail.
import type { ChatMessage } from '../providers/types.ts';
import { KeptPrefixes } from '../kept-prefix.ts';
import type { CallContext, Sender } from './call-context.ts';
import { callFailed, inChain, type RouteFailure, type RouteFailureKind } from './errors.ts';
import { taskCredential } from '../credentials/task-credential.ts';
import { usability } from '../credentials/health.ts';
import { standingHealth } from '../credentials/scoped-health.ts';
import { explained, libraryLine } from '../errors/explanation.ts';
import { chainAction, type LaterRoutes } from './policy.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { runRoute } from './route-ladder.ts';
import { skipRoute } from '../calls/trail.ts';
import { contextWindowOf, routeName } from '../config/route-name.ts';
import type { Credential } from '../credentials/types.ts';
import { skipUnportable } from './owner-step.ts';
import { skipUnable } from './need-step.ts';
import { affinityFellBack, checkAffinityRoute, rememberAffinity } from './affinity-step.ts';

export interface ChainResult<T> {
  route: RouteSpec;
  value: T;
  credential: Credential;
}

/** Prompt size estimate: the caller's, else about four characters per token. */
export function estimateTokens(messages: readonly ChatMessage[], given?: number): number {
  if (given !== undefined) return given;
  const chars = CHARS.fold(0, 0, messages, addChars);
  return Math.ceil((chars.length === 0 ? 0 : chars[chars.length - 1]!) / 4);
}

/** Each prompt's characters after each message, kept for its conversation's next turn. */
const CHARS = new KeptPrefixes<number>();

function addChars(before: number, m: ChatMessage): number {
  let chars = before + (m.content?.length ?? 0);
  const calls = m.tool_calls;
  // Index loops: no iterator, nor an empty list, per message.
  if (calls !== undefined)
    for (let k = 0; k < calls.length; k++) chars += calls[k]!.name.length + calls[k]!.arguments.length;
  return chars;
}

export interface ChainInput {
  routes: readonly RouteSpec[];
  /** Tokens the input needs; with `explicitEstimate`, routes known to be too small are skipped before trying. */
  estimatedTokens: number;
  explicitEstimate: boolean;
}

/** A route's share of a task's deadline, split evenly over the routes left, so a hanging title provider cannot spend
 * the fallback's time; without a task deadline, only the provider's timeout applies. */
function routeShare(deadline: number | undefined, now: number, routesLeft: number): number | undefined {
  if (deadline === undefined || routesLeft <= 1) return deadline;
  return now + Math.max(0, deadline - now) / routesLeft;
}

/** The call's deadline after a route given `share` gave way at `now`. Past its share means the process was late (a
 * timer behind a busy event loop, the tokenizer's first load): the deadline moves by that, not the later routes. */
function afterOverrun(deadline: number | undefined, share: number | undefined, now: number): number | undefined {
  if (deadline === undefined || share === undefined || share >= deadline || now <= share) return deadline;
  return deadline + (now - share);
}

/** Could this route answer now? Configured, its breaker closed, its window fits what the input needs (as far as
 * known), and a key of it usable now — its task key or one of the provider's. Only reads: nothing is picked or probed. */
function canServeNow(ctx: CallContext, route: RouteSpec, needed: number | undefined): boolean {
  if (route.invalid !== undefined || !ctx.loaded.config.providers[route.provider]) return false;
  const window = contextWindowOf(ctx.loaded.config, route);
  if (needed !== undefined && window !== undefined && window <= needed) return false;
  if (ctx.breakers.state(route.provider) !== 'closed') return false;
  const own = taskCredential(route, ctx.loaded);
  if (own !== undefined && usability(standingHealth(ctx.store, own, ctx.now()).record, ctx.now()).usable) return true;
  return ctx.pool.candidates(route.provider).some((c) => c.usable);
}

export async function runChain<T>(ctx: CallContext, input: ChainInput, send: Sender<T>): Promise<ChainResult<T>> {
  const failures: RouteFailure[] = [];
  // Set once a route says the input is too long (or up front, when the caller gave an estimate).
  let needed: number | undefined = input.explicitEstimate ? input.estimatedTokens : undefined;
  // The route the call last moved on from, and why: the next route tried is a fallback from it (a `fallback` event).
  let previous: { name: string; kind: RouteFailureKind } | undefined;
  const routes = input.routes;
  // The task's deadline, moved on by what a route overran of its share (afterOverrun).
  let deadline = ctx.deadline;
  checkAffinityRoute(ctx, routes);
  for (const [index, route] of routes.entries()) {
    if (skipUnportable(ctx, route) || skipUnable(ctx, route)) {
      previous ??= { name: routeName(route), kind: 'bad_request' };
      continue;
    }
    const window = contextWindowOf(ctx.loaded.config, route);
    if (needed !== undefined && window !== undefined && window <= needed) {
      skipRoute(ctx, route, 'context_window', `context window ${window} cannot hold ≈${needed} tokens`);
      // Skipped for its window without a request; the fallback is from the last route tried, or from this one.
      previous ??= { name: routeName(route), kind: 'context_length' };
      continue;
    }
    if (previous)
      ctx.events.emit({
        type: 'fallback',
        task: ctx.task,
        from: previous.name,
        to: routeName(route),
        kind: previous.kind,
      });
    const now = ctx.now();
    if (deadline !== undefined && now >= deadline && failures.length > 0) break;
    const later = (): LaterRoutes =>
      routes.slice(index + 1).some((r) => canServeNow(ctx, r, needed)) ? 'one_can_serve_now' : 'none_can_serve_now';
    const share = routeShare(deadline, now, routes.length - index);
    const wholeTask = failures.length === 0 && routes.length - index <= 1;
    const outcome = await runRoute(route, ctx, send, { deadline: share, wholeTask, later });
    if (outcome.ok) {
      rememberAffinity(ctx, route, outcome.credential);
      ctx.events.emit({
        type: 'success',
        task: ctx.task,
        route: routeName(route),
        attempts: ctx.trail.length,
        latency_ms: ctx.trail.at(-1)?.latency_ms ?? 0,
      });
      return { route, value: outcome.value, credential: outcome.credential };
    }
    failures.push(outcome.failure);
    deadline = afterOverrun(deadline, share, ctx.now());
    const kind = outcome.failure.kind;
    affinityFellBack(ctx, routeName(route), kind);
    const action = chainAction(kind, route.origin === 'request');
    if (action === 'fail_call') break;
    if (action === 'next_fitting_route') {
      // "Larger than the input": at least the estimate, and more than the window that just refused it.
      needed = Math.max(input.estimatedTokens, outcome.contextWindow ?? 0, needed ?? 0);
      previous = { name: routeName(route), kind: 'context_length' };
    } else {
      previous = { name: routeName(route), kind };
    }
  }
  if (failures.length === 0) {
    // Every route was skipped for its window before any was tried.
    failures.push({
      route: routeName(routes[0] ?? { provider: '?', model: '?' }),
      kind: 'context_length',
      ...explained({
        headline: `the input (≈${needed ?? input.estimatedTokens} tokens) is larger than the context window of every route of this task`,
        advice: [
          { kind: 'fix_request', how: 'shorten' },
          { kind: 'add_fallback', to: 'larger_window', joint: ', or ' },
        ],
      }),
    });
  }
  // Each route's advice knows the chain it is in (no "add a fallback route" to a chain that has one).
  const chained = failures.map((f) => inChain(f, routes.length));
  // A configFromObject config is invisible to the CLI: its advice names library calls instead.
  const advised =
    ctx.loaded.fromObject === true
      ? chained.map((f) => (f.explained ? { ...f, explanation: libraryLine(f.explained) } : f))
      : chained;
  const error = callFailed(ctx.task, advised, ctx.trail);
  ctx.events.emit({ type: 'give_up', task: ctx.task, kind: error.kind, message: error.explanation });
  throw error;
}
