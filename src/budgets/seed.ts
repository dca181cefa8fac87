// A budget new to the config (or whose scope changed: a new counter) starts at what the usage ledger says its scope
// spent since its window began, not at 0 (docs/budgets.md#a-budget-added-mid-window). At start and at each reload,
// every counter of the current windows that holds no spend yet is seeded once, by the store's atomic `seed`. A `calls`
// counter is seeded from the ledger's tool-call rows (the calls a budget admitted).
import type { BudgetStore } from '../state/budget-store.ts';
import type { GroupTotals, ToolQuery, ToolTotals, UsageQuery } from '../usage/row.ts';
import { MICRO_USD, onUsers, type BudgetLimit, type BudgetPlan, type BudgetScope } from './rules.ts';

/** The ledger's grouped totals (UsageLedger.totals): what seeding reads. */
export type LedgerTotals = (q: UsageQuery) => Promise<GroupTotals[]>;

/** The ledger's tool calls per server and tool (UsageLedger.toolTotals): what a `calls` counter is seeded from. */
export type LedgerToolCalls = (q: ToolQuery) => Promise<ToolTotals[]>;

/** A counter seeded: its limit, what it was set to (store units) and the window's start. */
export interface Seeded {
  limit: BudgetLimit;
  amount: number;
  since: number;
}

/** What a scope spent in a window, as settle counts it. */
interface Spent {
  requests: number;
  tokens: number;
  micro: number;
  calls: number;
}

/** How long after a new config's seeding began calls stop waiting for it (each is then held against what the counter
 * has, seeded or not). */
export const SEED_WAIT_MS = 2_000;

/** Seeds every counter of `plan`'s current windows that has no spend yet from the ledger; returns those it set.
 * Minute windows are left out: the ledger's rollups are hourly, and a minute is gone before it matters. Without
 * `toolCalls`, `calls` counters are left at 0; so are a key's budgets on its end users (the rollups keep no users). */
export async function seedPlan(
  plan: BudgetPlan,
  store: BudgetStore,
  totals: LedgerTotals,
  now: number,
  toolCalls?: LedgerToolCalls,
): Promise<Seeded[]> {
  const limits = plan.limits.filter(
    (l) => l.window !== 'minute' && (l.resource !== 'calls' || toolCalls !== undefined) && !onUsers(l.scope),
  );
  const counters = limits.map((l) => plan.counter(l, now));
  const states = await store.read(
    counters.map((c) => c.counter),
    now,
  );
  const spent = new Map<string, Promise<Spent>>();
  const out: Seeded[] = [];
  for (const [i, limit] of limits.entries()) {
    const state = states[i]!;
    if (state.spent !== 0 || state.seeded !== undefined) continue;
    const { counter, start, end } = counters[i]!;
    // One ledger query per scope and window start, whichever resources its budgets count.
    const key = `${JSON.stringify(limit.scope)}|${start}`;
    let p = spent.get(key);
    if (p === undefined)
      spent.set(key, (p = spentIn(limit.scope, start, totals, limit.resource === 'calls' ? toolCalls : undefined)));
    const amount = amountOf(limit, await p);
    if (amount <= 0) continue;
    if (await store.seed(counter, { amount, at: now }, end)) out.push({ limit, amount, since: start });
  }
  return out;
}

function amountOf(limit: BudgetLimit, s: Spent): number {
  if (limit.resource === 'calls') return s.calls;
  if (limit.resource === 'requests') return s.requests;
  return limit.resource === 'tokens' ? s.tokens : s.micro;
}

/** The scope's spend since `since`: tokens and USD of each attempt on its own route and key (as settle counts them),
 * and requests that reached an upstream, each counted at the route and key that answered it (the ledger's rollups;
 * a request refused before sending has no route and is left out). */
async function spentIn(
  scope: BudgetScope,
  since: number,
  totals: LedgerTotals,
  toolCalls: LedgerToolCalls | undefined,
): Promise<Spent> {
  if (toolCalls !== undefined) return { ...NOTHING, calls: await callsIn(scope, since, toolCalls) };
  const sum = (groups: readonly GroupTotals[], keep: (g: GroupTotals) => boolean): Spent => {
    const s: Spent = { ...NOTHING };
    for (const g of groups) {
      if (!keep(g)) continue;
      s.requests += g.requests;
      s.tokens += g.input_tokens + g.output_tokens;
      s.micro += Math.round(g.cost_usd * MICRO_USD);
    }
    return s;
  };
  const reached = (g: GroupTotals): boolean => g.group !== '';
  switch (scope.kind) {
    case 'all':
      return sum(await totals({ by: 'route', since }), reached);
    case 'client_key':
      return sum(await totals({ by: 'route', since, client_key: scope.name }), reached);
    case 'task':
      return sum(await totals({ by: 'route', since, task: scope.name }), reached);
    case 'provider':
      return sum(await totals({ by: 'route', since }), (g) => g.group.startsWith(`${scope.provider}/`));
    case 'route':
      return sum(await totals({ by: 'route', since, route: `${scope.provider}/${scope.model}` }), reached);
    case 'mcp_server':
    case 'tool':
      return { ...NOTHING };
    case 'credential': {
      // A key is named by a prefix of its fingerprint: each matching key's routes of this provider.
      const keys = (await totals({ by: 'credential', since })).filter((g) => g.group.startsWith(scope.id));
      const out: Spent = { ...NOTHING };
      for (const k of keys) {
        const s = sum(await totals({ by: 'route', since, credential: k.group }), (g) =>
          g.group.startsWith(`${scope.provider}/`),
        );
        out.requests += s.requests;
        out.tokens += s.tokens;
        out.micro += s.micro;
      }
      return out;
    }
  }
}

const NOTHING: Spent = { requests: 0, tokens: 0, micro: 0, calls: 0 };

/** The tool calls a budget of `scope` admitted since `since` (a call refused by the allow-list or a budget was never
 * counted); a scope with no tool calls (a task, a provider) has none. */
async function callsIn(scope: BudgetScope, since: number, toolCalls: LedgerToolCalls): Promise<number> {
  const count = (rows: readonly ToolTotals[], keep: (t: ToolTotals) => boolean): number =>
    rows.filter(keep).reduce((n, t) => n + t.admitted, 0);
  switch (scope.kind) {
    case 'all':
      return count(await toolCalls({ since }), () => true);
    case 'client_key':
      return count(await toolCalls({ since, client_key: scope.name }), () => true);
    case 'mcp_server':
      return count(await toolCalls({ since }), (t) => t.mcp_server === scope.server);
    case 'tool':
      return count(await toolCalls({ since }), (t) => t.mcp_server === scope.server && t.tool === scope.tool);
    default:
      return 0;
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
export async function waitAtMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([
      p.then(
        () => undefined,
        () => undefined,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
