// One call's budgets (docs/budgets.md#how-it-holds): before each attempt, one reserve over every counter the attempt
// touches that the call does not hold yet (its task, client key and everything on the first; the route's, provider's
// and key's); at the end, one settle of each with what the trail says was really used, or 0 to release.
import { randomUUID } from 'node:crypto';
import type { Route } from '../config/schema.ts';
import type { Usage } from '../providers/types.ts';
import type { BudgetStore, HoldItem } from '../state/budget-store.ts';
import type { Attempt } from '../calls/types.ts';
import { appliesToAttempt, MICRO_USD, type BudgetLimit, type BudgetPlan } from './rules.ts';
import { refusalFor, warningOf, type BudgetRefusal } from './words.ts';
import type { BudgetWarning } from '../calls/budget-warning.ts';

/** USD for a usage on a route, or null when its price is unknown (then it counts nothing against USD limits). */
export type CostOf = (route: Route, usage: Usage) => number | null;

export interface CallBudgetsInit {
  store: BudgetStore;
  plan: BudgetPlan;
  costOf: CostOf;
  now: () => number;
  task: string;
  clientKey?: string | undefined;
  /** The end user the call is made for, as the ledger keeps it: budgets on the key's users apply. */
  user?: string | undefined;
  /** Prompt tokens, estimated before sending. */
  inputTokens: number;
  /** The request's max_tokens, when it set one. */
  maxTokens?: number | undefined;
  /** How long a hold may stay unsettled before it stops counting (its process is taken to have died). */
  holdMs: number;
  /** A soft budget this call went over, as it is found. */
  onWarning?: (warning: BudgetWarning) => void;
  /** The seeding of a new config's counters from the ledger, still running: waited for before holding (it resolves
   * within SEED_WAIT_MS of the seeding's start, done or not). */
  seeding?: Promise<void> | undefined;
}

export type Admission = { ok: true } | { ok: false; level: BudgetLimit['level']; refusal: BudgetRefusal };

/** A counter this call holds: the store's item itself (one object per limit and call), with the limit it is for. */
interface Held extends HoldItem {
  rule: BudgetLimit;
}

/** Hold ids are unique across processes (Redis keeps them in shared counters): this process's id and a count, in
 * place of a random UUID per call. */
const PROCESS = randomUUID();
let holds = 0;

export function holdId(): string {
  holds = (holds + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS}:${holds.toString(36)}`;
}

export class CallBudgets {
  readonly #init: CallBudgetsInit;
  #hold: string | undefined;
  readonly #held: Held[] = [];
  #callHeld = false;
  #finished = false;
  /** Soft budgets this call went over, said once each (log, metric, response header). */
  readonly warnings: BudgetWarning[] = [];

  #seeding: Promise<void> | undefined;

  constructor(init: CallBudgetsInit) {
    this.#init = init;
    this.#seeding = init.seeding;
  }

  /** Before an attempt on `route` with the key `fingerprint`: holds what it may use, or says which budget stops it. */
  async admit(route: Route, fingerprint: string): Promise<Admission> {
    // A counter settled on before its seed would not be seeded: the first hold waits for it, a moment at most.
    if (this.#seeding !== undefined) {
      await this.#seeding;
      this.#seeding = undefined;
    }
    const { plan, now } = this.#init;
    const at = now();
    const items: Held[] = [];
    if (!this.#callHeld)
      this.#wanted(plan.callLimits(this.#init.task, this.#init.clientKey, this.#init.user), route, at, items);
    this.#wanted(plan.attemptLimits(route.provider, route.model, fingerprint), route, at, items);
    if (items.length === 0) {
      this.#callHeld = true;
      return { ok: true };
    }
    this.#hold ??= holdId();
    const result = await this.#init.store.reserve(this.#hold, items, at, at + this.#init.holdMs);
    if (!result.ok) {
      const h = items[result.refused]!;
      return { ok: false, level: h.rule.level, refusal: refusalFor(h.rule, result, h.resetsAt, at) };
    }
    this.#callHeld = true;
    for (const h of items) this.#held.push(h);
    for (const i of result.softOver) {
      const h = items[i]!;
      const state = result.before[i]!;
      const warning = warningOf(h.rule, state, h.resetsAt);
      this.warnings.push(warning);
      this.#init.onWarning?.(warning);
    }
    return { ok: true };
  }

  /** Adds to `items` a hold for each limit whose counter this call does not hold yet (a retry on the same key: its
   * counters are held already, once for the call). */
  #wanted(limits: readonly BudgetLimit[], route: Route, at: number, items: Held[]): void {
    for (const rule of limits) {
      const { counter, end } = this.#init.plan.counter(rule, at, this.#init.user);
      if (this.#holds(counter)) continue;
      items.push({
        counter,
        limit: rule.limit,
        amount: this.#amount(rule, route),
        soft: rule.soft,
        resetsAt: end,
        rule,
      });
    }
  }

  /** A call holds a few counters at most: a scan is cheaper than a set per call. */
  #holds(counter: string): boolean {
    for (const h of this.#held) if (h.counter === counter) return true;
    return false;
  }

  /** The call is over (answered, failed or cancelled; a stream when it ended): each counter held is settled with what
   * the attempts it covers were billed, or released. `answered`: the answer's usage, for an answering attempt whose
   * trail entry carries none. Once. */
  finish(trail: readonly Attempt[], answered?: Usage): void {
    if (this.#finished || this.#held.length === 0) return;
    this.#finished = true;
    const spends = this.#held.map((h) => ({
      counter: h.counter,
      amount: this.#used(h.rule, trail, answered),
      resetsAt: h.resetsAt,
    }));
    this.#init.store.settle(this.#hold!, spends);
  }

  /** What an attempt on `route` may use of a limit, at most: its prompt and its max_tokens (or reserve_tokens). */
  #amount(limit: BudgetLimit, route: Route): number {
    if (limit.resource === 'requests') return 1;
    const output = this.#init.maxTokens ?? limit.reserveTokens;
    if (limit.resource === 'tokens') return this.#init.inputTokens + output;
    const usd = this.#init.costOf(route, { input_tokens: this.#init.inputTokens, output_tokens: output });
    return usd === null ? 0 : Math.ceil(usd * MICRO_USD);
  }

  #used(limit: BudgetLimit, trail: readonly Attempt[], answered: Usage | undefined): number {
    let requests = 0;
    let tokens = 0;
    let micro = 0;
    const lastOk = answered === undefined ? -1 : trail.findLastIndex((a) => a.outcome === 'ok');
    for (const [i, a] of trail.entries()) {
      if (a.credential === undefined) continue;
      if (limit.level !== 'call' && !appliesToAttempt(limit.scope, a.provider, a.model, a.credential.fingerprint))
        continue;
      const usage = a.usage ?? (i === lastOk ? answered : undefined);
      if (usage === undefined) {
        if (a.outcome === 'ok') requests += 1;
        continue;
      }
      requests += 1;
      tokens += usage.input_tokens + usage.output_tokens;
      if (limit.resource === 'usd') {
        const usd = this.#init.costOf(a, usage);
        if (usd !== null) micro += Math.round(usd * MICRO_USD);
      }
    }
    if (limit.resource === 'requests') return limit.level === 'call' ? Math.min(1, requests) : requests;
    return limit.resource === 'tokens' ? tokens : micro;
  }
}
