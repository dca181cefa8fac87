// What an attempt's budgets decide before it is sent (docs/budgets.md#over-a-budget): the call's own budget refuses
// the whole call; a route's or provider's fails the route so the chain moves on; a key's sets the key aside for this
// call like a cooling one. Each says `budget` in the trail, with the budget, its window and when it resets.
import { statement } from '../errors/explanation.ts';
import type { Credential } from '../credentials/types.ts';
import type { Admission } from '../budgets/call.ts';
import type { RouteRun } from './route-run.ts';
import { SwitchyardError, type RouteFailure } from './errors.ts';
import { routeName } from '../config/route-name.ts';

export type Refused = Extract<Admission, { ok: false }>;

/** A route that fails for a budget (route-ladder.ts RouteOutcome's failure). */
export interface RouteOverBudget {
  ok: false;
  failure: RouteFailure;
}

/** The refusal in the trail and as an event; then what the ladder does next: a route outcome, or undefined to pick
 * another key. Throws for a call's own budget. */
export function overBudget(run: RouteRun, cred: Credential, refused: Refused): RouteOverBudget | undefined {
  const { ctx, route } = run;
  const { refusal, level } = refused;
  const now = ctx.now();
  const retryAfterMs = Math.max(0, refusal.resetsAt - now);
  const message = level === 'credential' ? `key ${cred.masked} skipped: ${refusal.message}` : refusal.message;
  run.record({ outcome: 'budget', startedAt: now, endedAt: now, message });
  ctx.events.emit({
    type: 'budget',
    task: ctx.task,
    budget: refusal.budget,
    scope: refusal.scope,
    resource: refusal.resource,
    window: refusal.window,
    state: 'refused',
    message: refusal.message,
  });
  if (level === 'call') {
    ctx.breakers.release(route.provider);
    const explanation = `${ctx.task}: refused before anything was sent: ${refusal.message}`;
    throw new SwitchyardError({
      task: ctx.task,
      kind: 'budget',
      explanation,
      trail: ctx.trail,
      failures: [{ route: routeName(route), kind: 'budget', explanation, retryAfterMs, budget: refusal }],
      retryAfterMs,
      budget: refusal,
    });
  }
  if (level === 'credential') {
    run.budgetRefused(cred, refusal);
    return undefined;
  }
  ctx.breakers.release(route.provider);
  return { ok: false, failure: { ...run.fail('budget', statement(message), retryAfterMs), budget: refusal } };
}

/** No key left to pick after some were set aside for their budget: the route is over budget, said by the first. */
export function keysOverBudget(run: RouteRun): RouteOverBudget | undefined {
  const refusal = run.budgetRefusal;
  if (refusal === undefined) return undefined;
  const retryAfterMs = Math.max(0, refusal.resetsAt - run.ctx.now());
  const explanation = `no key of ${run.route.provider} left within its budget: ${refusal.message}`;
  return { ok: false, failure: { ...run.fail('budget', statement(explanation), retryAfterMs), budget: refusal } };
}
