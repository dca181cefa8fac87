// The `budgets:` config as the request path reads it: one BudgetLimit per budget, resource and window, indexed by
// what a call and an attempt are (task, client key; provider, model, key), built once per config snapshot.
import type { Config } from '../config/schema.ts';
import {
  BUDGET_RESOURCES,
  BUDGET_WINDOWS,
  DEFAULT_STORE_OUTAGE_POLICY,
  STORE_OUTAGE_KEY,
  type BudgetConfig,
  type StoreOutagePolicy,
  type BudgetResource,
  type BudgetWindow,
} from '../config/budgets-schema.ts';
import { windowBounds, type WindowBounds } from './windows.ts';
import { userForms } from '../calls/end-user.ts';

export type BudgetScope =
  | { kind: 'all' }
  | { kind: 'client_key'; name: string; user?: string; perUser?: true }
  | { kind: 'task'; name: string }
  | { kind: 'provider'; provider: string }
  | { kind: 'route'; provider: string; model: string }
  | { kind: 'credential'; provider: string; id: string }
  | { kind: 'mcp_server'; server: string }
  | { kind: 'tool'; server: string; tool: string };

/** What an over-budget scope does: a call's scope refuses the call; a route's or key's is skipped like a cooling key. */
export type BudgetLevel = 'call' | 'route' | 'credential';

export interface BudgetLimit {
  budget: string;
  scope: BudgetScope;
  /** `client key app`, `task title_generation`, `route mimo/m1`, `credential mimo/3f9a1c`, `everything`. */
  scopeText: string;
  level: BudgetLevel;
  resource: BudgetResource;
  window: BudgetWindow;
  /** In store units: requests, tokens, or micro-dollars. */
  limit: number;
  soft: boolean;
  /** Output tokens held for a request without max_tokens. */
  reserveTokens: number;
}

/** USD are kept as whole micro-dollars, so counters add exactly in every store. */
export const MICRO_USD = 1_000_000;

export function toUnits(resource: BudgetResource, amount: number): number {
  return resource === 'usd' ? Math.round(amount * MICRO_USD) : Math.round(amount);
}

export function fromUnits(resource: BudgetResource, units: number): number {
  return resource === 'usd' ? units / MICRO_USD : units;
}

function scopeOf(b: BudgetConfig): BudgetScope {
  if (b.all === true) return { kind: 'all' };
  if (b.mcp_server !== undefined)
    return b.tool !== undefined
      ? { kind: 'tool', server: b.mcp_server, tool: b.tool }
      : { kind: 'mcp_server', server: b.mcp_server };
  if (b.client_key !== undefined) {
    if (b.per_user === true) return { kind: 'client_key', name: b.client_key, perUser: true };
    if (b.user !== undefined) return { kind: 'client_key', name: b.client_key, user: b.user };
    return { kind: 'client_key', name: b.client_key };
  }
  if (b.task !== undefined) return { kind: 'task', name: b.task };
  const provider = b.provider ?? '';
  if (b.credential !== undefined) return { kind: 'credential', provider, id: b.credential.toLowerCase() };
  if (b.model !== undefined) return { kind: 'route', provider, model: b.model };
  return { kind: 'provider', provider };
}

export function scopeText(scope: BudgetScope): string {
  switch (scope.kind) {
    case 'all':
      return 'everything';
    case 'client_key':
      return `client key ${scope.name}${scope.perUser ? ' per user' : scope.user !== undefined ? ` user ${scope.user}` : ''}`;
    case 'task':
      return `task ${scope.name}`;
    case 'provider':
      return `provider ${scope.provider}`;
    case 'route':
      return `route ${scope.provider}/${scope.model}`;
    case 'credential':
      return `credential ${scope.provider}/${scope.id}`;
    case 'mcp_server':
      return `MCP server ${scope.server}`;
    case 'tool':
      return `tool ${scope.server}__${scope.tool}`;
  }
}

function levelOf(scope: BudgetScope): BudgetLevel {
  if (scope.kind === 'credential') return 'credential';
  return scope.kind === 'provider' || scope.kind === 'route' ? 'route' : 'call';
}

export function limitsOf(config: Config): BudgetLimit[] {
  const out: BudgetLimit[] = [];
  for (const [budget, b] of Object.entries(config.budgets)) {
    if (typeof b !== 'object') continue; // budgets.on_store_outage: not a budget
    const scope = scopeOf(b);
    for (const resource of BUDGET_RESOURCES)
      for (const window of BUDGET_WINDOWS) {
        const amount = b[resource]?.[window];
        if (amount === undefined) continue;
        out.push({
          budget,
          scope,
          scopeText: scopeText(scope),
          level: levelOf(scope),
          resource,
          window,
          limit: toUnits(resource, amount),
          soft: b.soft,
          reserveTokens: b.reserve_tokens,
        });
      }
  }
  return out;
}

/** The counter a limit counts in during the window starting at `start`; a per-user limit's, for one end user
 * (`''`: the requests that name none, which share one). */
export function counterKey(limit: BudgetLimit, start: number, user?: string): string {
  const scope = user === undefined ? limit.scopeText : `${limit.scopeText} ${JSON.stringify(user)}`;
  return `${limit.budget}|${scope}|${limit.resource}|${limit.window}|${start}`;
}

/** A limit counted apart for each end user of its client key (`per_user: true`). */
export function isPerUser(limit: BudgetLimit): boolean {
  return limit.scope.kind === 'client_key' && limit.scope.perUser === true;
}

/** A limit on end users (`per_user:` or `user:`): applies to a call by its user, and is not seeded from the ledger,
 * whose rollups do not keep users. */
export function onUsers(scope: BudgetScope): boolean {
  return scope.kind === 'client_key' && (scope.perUser === true || scope.user !== undefined);
}

/** A limit's counter in the window `at` falls in: its key and the window's bounds. */
export interface LimitCounter extends WindowBounds {
  counter: string;
}

/** The limits of one config, by what they apply to. What a call reads (its limits, each limit's counter key) is
 * kept, so a call builds no arrays and no key strings: at ~5,000 calls a second they were a third of what budgets
 * cost beyond the store. */
export class BudgetPlan {
  readonly limits: readonly BudgetLimit[];
  readonly #all: BudgetLimit[] = [];
  readonly #byTask = new Map<string, BudgetLimit[]>();
  readonly #byClientKey = new Map<string, BudgetLimit[]>();
  /** A client key's limits on its end users (`per_user:`, `user:`), model requests' and tool calls' alike. */
  readonly #onUsers = new Map<string, UserLimit[]>();
  readonly #byProvider = new Map<string, BudgetLimit[]>();
  /** Limits on MCP tool calls (`calls`): over everything, by client key, by server (its tools' too). */
  readonly #toolAll: BudgetLimit[] = [];
  readonly #toolByKey = new Map<string, BudgetLimit[]>();
  readonly #toolByServer = new Map<string, BudgetLimit[]>();
  /** Providers whose limits are all on the provider as a whole: an attempt's are all of them. */
  readonly #wholeProvider = new Set<string>();
  /** callLimits' answers by task, then client key (one with limits of its own; else undefined). */
  readonly #byCall = new Map<string, Map<string | undefined, BudgetLimit[]>>();
  /** Windows as last computed: reused until they end, so a request computes no dates. */
  readonly #bounds = new Map<BudgetWindow, WindowBounds>();
  /** Each limit's counter in its current window. */
  readonly #counters = new Map<BudgetLimit, LimitCounter>();

  constructor(config: Config) {
    this.limits = limitsOf(config);
    for (const l of this.limits) {
      const s = l.scope;
      if (s.kind === 'client_key' && onUsers(s)) push(this.#onUsers, s.name, userLimit(l, s.user));
      else if (l.resource === 'calls') this.#indexToolLimit(l);
      else if (s.kind === 'all') this.#all.push(l);
      else if (s.kind === 'task') push(this.#byTask, s.name, l);
      else if (s.kind === 'client_key') push(this.#byClientKey, s.name, l);
      else if (s.kind !== 'mcp_server' && s.kind !== 'tool') push(this.#byProvider, s.provider, l);
    }
    for (const [provider, limits] of this.#byProvider)
      if (limits.every((l) => l.scope.kind === 'provider')) this.#wholeProvider.add(provider);
  }

  #indexToolLimit(l: BudgetLimit): void {
    const s = l.scope;
    if (s.kind === 'all') this.#toolAll.push(l);
    else if (s.kind === 'client_key') push(this.#toolByKey, s.name, l);
    else if (s.kind === 'mcp_server' || s.kind === 'tool') push(this.#toolByServer, s.server, l);
  }

  /** Limits on one MCP tool call: everything's, its client key's (and its end user's), its server's and its tool's. */
  toolLimits(clientKey: string | undefined, server: string, tool: string, user?: string): BudgetLimit[] {
    const ofKey = clientKey === undefined ? [] : (this.#toolByKey.get(clientKey) ?? []);
    const ofServer = (this.#toolByServer.get(server) ?? []).filter(
      (l) => l.scope.kind !== 'tool' || l.scope.tool === tool,
    );
    const ofUser = this.#userLimits(clientKey, user, true);
    return [...this.#toolAll, ...ofKey, ...ofUser, ...ofServer];
  }

  /** The key's limits on end users that apply to `user` (undefined: a request naming none, which `per_user` counts
   * as one user of its own and `user:` never matches): its tool calls' or its model requests'. */
  #userLimits(clientKey: string | undefined, user: string | undefined, calls: boolean): BudgetLimit[] {
    const mine = clientKey === undefined ? undefined : this.#onUsers.get(clientKey);
    if (mine === undefined) return [];
    const out: BudgetLimit[] = [];
    for (const u of mine) {
      if ((u.limit.resource === 'calls') !== calls) continue;
      if (u.forms === undefined || (user !== undefined && u.forms.includes(user))) out.push(u.limit);
    }
    return out;
  }

  get empty(): boolean {
    return this.limits.length === 0;
  }

  /** Any route- or key-level limit on this provider: the attempt needs a look. */
  coversProvider(provider: string): boolean {
    return this.#byProvider.has(provider);
  }

  /** Limits that refuse the call itself: everything, its task, its client key, and the key's on its end user. */
  callLimits(task: string, clientKey: string | undefined, user?: string): readonly BudgetLimit[] {
    const base = this.#keyLimits(task, clientKey);
    if (clientKey === undefined || !this.#onUsers.has(clientKey)) return base;
    return [...base, ...this.#userLimits(clientKey, user, false)];
  }

  #keyLimits(task: string, clientKey: string | undefined): readonly BudgetLimit[] {
    // A client key without limits of its own reads its task's entry: the cache grows only with configured names.
    const key = clientKey !== undefined && this.#byClientKey.has(clientKey) ? clientKey : undefined;
    let byKey = this.#byCall.get(task);
    if (byKey === undefined) {
      if (this.#byCall.size >= 256) this.#byCall.clear();
      this.#byCall.set(task, (byKey = new Map()));
    }
    let limits = byKey.get(key);
    if (limits === undefined) {
      const ofKey = key === undefined ? [] : (this.#byClientKey.get(key) ?? []);
      limits = [...this.#all, ...(this.#byTask.get(task) ?? []), ...ofKey];
      byKey.set(key, limits);
    }
    return limits;
  }

  /** Limits on a provider, its route, or the key an attempt is about to use. */
  attemptLimits(provider: string, model: string, fingerprint: string): readonly BudgetLimit[] {
    const mine = this.#byProvider.get(provider);
    if (mine === undefined) return [];
    if (this.#wholeProvider.has(provider)) return mine;
    return mine.filter((l) => appliesToAttempt(l.scope, provider, model, fingerprint));
  }

  bounds(window: BudgetWindow, now: number): WindowBounds {
    let b = this.#bounds.get(window);
    if (b === undefined || now >= b.end || now < b.start) {
      b = windowBounds(window, now);
      this.#bounds.set(window, b);
    }
    return b;
  }

  /** The limit's counter in the window `now` falls in (counterKey), made once per window; a per-user limit's, for
   * `user` (made each time: users are many). */
  counter(limit: BudgetLimit, now: number, user?: string): LimitCounter {
    if (isPerUser(limit)) {
      const { start, end } = this.bounds(limit.window, now);
      return { counter: counterKey(limit, start, user ?? ''), start, end };
    }
    let c = this.#counters.get(limit);
    if (c === undefined || now >= c.end || now < c.start) {
      const { start, end } = this.bounds(limit.window, now);
      c = { counter: counterKey(limit, start), start, end };
      this.#counters.set(limit, c);
    }
    return c;
  }
}

/** A limit on end users, with the forms its `user:` may be kept in (none: `per_user`, every user). */
interface UserLimit {
  limit: BudgetLimit;
  forms: readonly string[] | undefined;
}

function userLimit(limit: BudgetLimit, user: string | undefined): UserLimit {
  return { limit, forms: user === undefined ? undefined : userForms(user) };
}

export function appliesToAttempt(scope: BudgetScope, provider: string, model: string, fingerprint: string): boolean {
  switch (scope.kind) {
    case 'provider':
      return scope.provider === provider;
    case 'route':
      return scope.provider === provider && scope.model === model;
    case 'credential':
      return scope.provider === provider && fingerprint.startsWith(scope.id);
    default:
      return true;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** What budgets do while the shared store (Redis) does not answer: `budgets.on_store_outage`. */
export function storeOutagePolicy(config: Config): StoreOutagePolicy {
  return config.budgets[STORE_OUTAGE_KEY] ?? DEFAULT_STORE_OUTAGE_POLICY;
}
