// Prometheus metrics (own Registry, so several gateways in one process — tests — never collide). Request, attempt and
// ladder metrics come from each request's record (request-record.ts), read off the request's tick; none from the
// ladder's live events, since every one the metrics count happens in a call and its record keeps it. Labels
// stay low-cardinality: provider, task, kind, state — never a key, a fingerprint or a client name.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Attempt, LadderDecision } from '../../calls/types.ts';
import type { StoreStatus } from '../../state/types.ts';
import type { Usage } from '../../providers/types.ts';
import type { RequestRecord } from '../records/request-record.ts';
import { FastCounter, FastHistogram, register } from './fast-metrics.ts';
import { VERSION } from '../../version.ts';
import type { BudgetRow } from '../../budgets/snapshot.ts';
import { routeProvider } from '../../config/route-name.ts';
import { UNHANDLED_KINDS, unhandledCounts } from '../server/process-guard.ts';

/** How often the event loop's delay is sampled for `switchyard_nodejs_eventloop_lag_*`: prom-client's 10 ms woke an
 * idle gateway 100 times a second, ~8 ms of CPU a second on a small VM; at 100 ms it is ~1. */
const LOOP_DELAY_SAMPLE_MS = 100;

/** Per-provider credential counts by state, computed when /metrics is scraped. */
export type CredentialCounts = () => { provider: string; state: string; count: number }[];

/** Every configured provider's circuit breaker, read when /metrics is scraped. */
export type BreakerStates = () => { provider: string; state: 'closed' | 'open' | 'half_open' }[];

/** What /metrics reads at scrape time rather than counting as things happen. */
export interface ScrapeSources {
  credentialCounts: CredentialCounts;
  breakerStates: BreakerStates;
  storeStatus?: () => Pick<StoreStatus, 'pendingWrites' | 'degraded'>;
  /** Every budget's counters now (docs/budgets.md#seeing-it). */
  budgetRows?: () => Promise<BudgetRow[]>;
}

/** Attempts whose latency says nothing of the upstream: never sent (a route skipped, a breaker open, a budget), or
 * cut short by the caller. */
const UNTIMED: ReadonlySet<Attempt['outcome']> = new Set(['skipped', 'breaker_open', 'budget', 'cancelled']);

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

export class GatewayMetrics {
  readonly registry = new Registry();
  // Observed on every request or attempt: the lean series (fast-metrics.ts), registered below.
  private readonly requests = new FastCounter({
    name: 'switchyard_gateway_requests_total',
    help: 'Gateway requests by API, final route and outcome',
    labelNames: ['api', 'route', 'outcome'],
  });
  private readonly requestAttempts = new FastHistogram({
    name: 'switchyard_gateway_request_attempts',
    help: 'Upstream attempts per gateway request',
    labelNames: ['api'],
    buckets: [1, 2, 3, 4, 6, 10, 20],
  });
  private readonly duration = new FastHistogram({
    name: 'switchyard_gateway_request_duration_seconds',
    help: 'Total gateway request latency',
    labelNames: ['api'],
    buckets: LATENCY_BUCKETS,
  });
  private readonly overhead = new FastHistogram({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Latency the gateway adds: total minus upstream time (non-streaming requests)',
    labelNames: ['api'],
    buckets: OVERHEAD_BUCKETS,
  });
  private readonly attempts = new FastCounter({
    name: 'switchyard_attempts_total',
    help: 'Upstream attempts by provider and outcome',
    labelNames: ['provider', 'outcome'],
  });
  private readonly tokens = new FastCounter({
    name: 'switchyard_gateway_tokens_total',
    help: 'Tokens the answers used, as providers counted them, by final route and kind (input is the whole prompt, cached parts included)',
    labelNames: ['route', 'kind'],
  });
  /** Answers that report prompt caching only: `cache_read` over `input` is the hit ratio of a key, task or route. */
  private readonly promptCache = new FastCounter({
    name: 'switchyard_prompt_cache_tokens_total',
    help: 'Prompt tokens of answers that report prompt caching, by route, task and key ID: input (the whole prompt), cache_read, cache_write',
    labelNames: ['route', 'task', 'key', 'kind'],
  });
  private readonly upstream = new FastHistogram({
    name: 'switchyard_upstream_latency_seconds',
    help: 'Latency of each upstream attempt',
    labelNames: ['provider'],
    buckets: LATENCY_BUCKETS,
  });
  /** MCP tool calls through /mcp. `server` and `tool` are the configured servers' own names; a refused call's name
   * is the caller's to choose (unbounded), so it is counted as `-`. */
  private readonly toolCalls = new FastCounter({
    name: 'switchyard_mcp_tool_calls_total',
    help: 'MCP tool calls through /mcp by server, tool and outcome (ok, tool_error, refused, budget, timeout, upstream_error)',
    labelNames: ['server', 'tool', 'outcome'],
  });
  private readonly toolLatency = new FastHistogram({
    name: 'switchyard_mcp_tool_call_duration_seconds',
    help: 'Latency of MCP tool calls sent to their server, by server and tool',
    labelNames: ['server', 'tool'],
    buckets: LATENCY_BUCKETS,
  });
  /** The secrets guard's findings, by rule and action (docs/guard.md): both labels come from fixed tables. */
  private readonly guardHits = new FastCounter({
    name: 'switchyard_guard_secrets_total',
    help: 'Secrets the guard found in requests and MCP tool results, by rule and action (redact, block, log)',
    labelNames: ['rule', 'action'],
  });
  /** Requests being served, read when scraped. */
  private inFlightCount = 0;
  private readonly retries = new Counter({
    name: 'switchyard_retries_total',
    help: 'Retries of the same key after a transient failure',
    labelNames: ['provider', 'kind'],
    registers: [this.registry],
  });
  private readonly rotations = new Counter({
    name: 'switchyard_rotations_total',
    help: 'Switches to the next credential of a provider',
    labelNames: ['provider', 'kind'],
    registers: [this.registry],
  });
  private readonly cooldowns = new Counter({
    name: 'switchyard_cooldowns_total',
    help: 'Credentials put to cool, by reason',
    labelNames: ['provider', 'reason'],
    registers: [this.registry],
  });
  private readonly fallbacks = new Counter({
    name: 'switchyard_fallbacks_total',
    help: 'Moves to the next route of a chain',
    labelNames: ['task', 'kind'],
    registers: [this.registry],
  });
  private readonly giveUps = new Counter({
    name: 'switchyard_give_ups_total',
    help: 'Calls that failed after every route',
    labelNames: ['task', 'kind'],
    registers: [this.registry],
  });
  private readonly budgetEvents = new Counter({
    name: 'switchyard_budget_events_total',
    help: 'Budgets that refused a call or skipped a route or key (refused), or were gone over while soft (soft_over)',
    labelNames: ['budget', 'resource', 'window', 'state'],
    registers: [this.registry],
  });
  private readonly affinity = new Counter({
    name: 'switchyard_cache_affinity_total',
    help: 'Turns continuing an earlier one: kept on its route and key (warm prompt cache) or broken',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly affinityTokens = new Counter({
    name: 'switchyard_cache_affinity_prefix_tokens_total',
    help: 'Estimated prefix tokens of turns continuing an earlier one: kept warm, or re-read at full price (broken)',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly reloads = new Counter({
    name: 'switchyard_gateway_config_reloads_total',
    help: 'Config reloads by result',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(sources: ScrapeSources) {
    const { credentialCounts, breakerStates, storeStatus } = sources;
    for (const m of [
      this.requests,
      this.requestAttempts,
      this.duration,
      this.overhead,
      this.attempts,
      this.upstream,
      this.tokens,
      this.promptCache,
      this.toolCalls,
      this.toolLatency,
      this.guardHits,
    ])
      register(this.registry, m);
    const inFlight = (): number => this.inFlightCount;
    new Gauge({
      name: 'switchyard_gateway_in_flight_requests',
      help: 'Requests being served',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
    new Gauge({
      name: 'switchyard_credentials',
      help: 'Credentials per provider and health state (ok, rate_limited, quota, auth_suspect, rejected) as of the scrape: a cooldown that has run out is ok',
      labelNames: ['provider', 'state'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const row of credentialCounts()) this.set({ provider: row.provider, state: row.state }, row.count);
      },
    });
    // Read when scraped, for every configured provider: a series exists (0) before any breaker has changed, so a
    // dashboard or an alert has something to show from the start.
    new Gauge({
      name: 'switchyard_breaker_open',
      help: 'Circuit breaker state per provider (0 closed, 0.5 half-open, 1 open)',
      labelNames: ['provider'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const b of breakerStates())
          this.set({ provider: b.provider }, b.state === 'open' ? 1 : b.state === 'half_open' ? 0.5 : 0);
      },
    });
    // The usual build-info series: which version each replica runs, for dashboards during a rollout.
    new Gauge({
      name: 'switchyard_build_info',
      help: 'Always 1; the label says the version',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: VERSION }, 1);
    // Read when scraped: the process guard's counts (process-guard.ts), both kinds from the start (0) for alerts.
    new Counter({
      name: 'switchyard_unhandled_errors_total',
      help: 'Errors no code handled (a bug), which the gateway logged and survived, by kind',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        const counts = unhandledCounts();
        for (const kind of UNHANDLED_KINDS) this.inc({ kind }, counts[kind]);
      },
    });
    if (storeStatus) this.storeGauges(storeStatus);
    if (sources.budgetRows) this.budgetGauges(sources.budgetRows);
    collectDefaultMetrics({
      register: this.registry,
      prefix: 'switchyard_',
      eventLoopMonitoringPrecision: LOOP_DELAY_SAMPLE_MS,
    });
  }

  /** Read when scraped: what an operator alerts on when shared state (Redis) is gone or writes pile up. */
  private storeGauges(storeStatus: () => Pick<StoreStatus, 'pendingWrites' | 'degraded'>): void {
    new Gauge({
      name: 'switchyard_state_store_degraded',
      help: '1 while the shared state store (Redis) is unreachable and this gateway works on its own state',
      registers: [this.registry],
      collect() {
        this.set(storeStatus().degraded === true ? 1 : 0);
      },
    });
    new Gauge({
      name: 'switchyard_state_store_pending_writes',
      help: 'Health and breaker changes not yet written to the state store',
      registers: [this.registry],
      collect() {
        this.set(storeStatus().pendingWrites);
      },
    });
  }

  /** Read when scraped: each budget's limit, spend, holds and what is left in its current window, labelled by the
   * config's own budget names (bounded by the config), resource and window. */
  private budgetGauges(rows: () => Promise<BudgetRow[]>): void {
    const labelNames = ['budget', 'resource', 'window'] as const;
    const gauge = (name: string, help: string, value: (r: BudgetRow) => number): void => {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const r of await rows())
            this.set({ budget: r.budget, resource: r.resource, window: r.window }, value(r));
        },
      });
    };
    gauge('switchyard_budget_limit', 'Budget limit per window (USD in dollars)', (r) => r.limit);
    gauge('switchyard_budget_spent', 'Settled spend in the current window', (r) => r.spent);
    gauge('switchyard_budget_reserved', 'Held by requests in flight in the current window', (r) => r.reserved);
    gauge('switchyard_budget_remaining', 'Limit minus spent and held, at least 0', (r) => r.remaining);
  }

  /** A request's attempts, each once as its trail holds it (a stream that broke after it began is one attempt, with
   * how it broke), and the ladder's decisions and give-up its call's record kept (CallRecord.decisions). */
  private ladderRecorded(r: RequestRecord): void {
    if (r.trail !== undefined) for (const a of r.trail) this.attemptRecorded(a);
    if (r.decisions !== undefined) for (const d of r.decisions) this.decisionRecorded(d);
    if (r.gaveUp !== undefined) this.giveUps.inc({ task: r.task ?? 'none', kind: r.gaveUp });
  }

  /** Sent or not; the latency of those that reached the provider and were not cut short by the caller. */
  private attemptRecorded(a: Attempt): void {
    this.attempts.inc([a.provider, a.outcome]);
    if (!UNTIMED.has(a.outcome)) this.upstream.observe([a.provider], a.latency_ms / 1000);
  }

  private decisionRecorded(d: LadderDecision): void {
    switch (d.type) {
      case 'retry':
        this.retries.inc({ provider: routeProvider(d.route), kind: d.kind });
        break;
      case 'rotate':
        this.rotations.inc({ provider: d.provider, kind: d.kind });
        break;
      case 'cooldown':
        this.cooldowns.inc({ provider: d.provider, reason: d.reason });
        break;
      case 'fallback':
        this.fallbacks.inc({ task: d.task, kind: d.kind });
        break;
      case 'budget':
        this.budgetEvents.inc({ budget: d.budget, resource: d.resource, window: d.window, state: d.state });
        break;
      case 'affinity':
        this.affinity.inc({ provider: d.provider, outcome: d.outcome });
        this.affinityTokens.inc({ provider: d.provider, outcome: d.outcome }, d.prefix_tokens);
        break;
    }
  }

  requestStarted(): void {
    this.inFlightCount += 1;
  }

  /** A chat request's record (request-record.ts): its count, timings, attempts and the tokens its answer used. */
  requestRecorded(r: RequestRecord): void {
    this.inFlightCount -= 1;
    const api = [r.api];
    this.requests.inc([r.api, r.routeLabel, r.outcome]);
    this.ladderRecorded(r);
    const seconds = r.ms / 1000;
    this.duration.observe(api, seconds);
    if (r.attempts > 0) this.requestAttempts.observe(api, r.attempts);
    // Upstream time is known for buffered answers only: a stream's total is its reader's pace.
    if (r.upstreamMs !== undefined && r.attempts > 0)
      this.overhead.observe(api, Math.max(0, seconds - r.upstreamMs / 1000));
    const usage = r.usage;
    if (usage === undefined) return;
    this.tokensUsed(r.routeLabel, usage);
    this.promptCacheUsed({ route: r.routeLabel, task: r.task ?? 'none', key: r.credential ?? 'none' }, usage);
  }

  /** What an answer used, on its route (the same bounded label as the request counter). Cache reads and writes are
   * parts of `input`, counted again under their own kind so a cache's effect can be read off the metrics. */
  private tokensUsed(route: string, usage: Usage): void {
    this.addTokens(route, 'input', usage.input_tokens);
    this.addTokens(route, 'output', usage.output_tokens);
    this.addTokens(route, 'cache_read', usage.cache_read_tokens);
    this.addTokens(route, 'cache_write', usage.cache_write_tokens);
  }

  /** One MCP tool call's outcome; its latency when it reached its server (not refused before). */
  toolCall(server: string, tool: string, outcome: string, seconds: number | undefined): void {
    const refused = outcome === 'refused';
    this.toolCalls.inc([refused ? '-' : server, refused ? '-' : tool, outcome]);
    if (seconds !== undefined) this.toolLatency.observe([server, tool], seconds);
  }

  /** The prompt-cache share of an answer, by route, task and the key that answered; only answers whose usage says
   * anything of the cache, so the ratio is not diluted by providers that never report it. */
  private promptCacheUsed(labels: { route: string; task: string; key: string }, usage: Usage): void {
    if (usage.cache_read_tokens === undefined && usage.cache_write_tokens === undefined) return;
    const add = (kind: string, n: number | undefined): void => {
      if (n !== undefined && n > 0 && Number.isFinite(n))
        this.promptCache.inc([labels.route, labels.task, labels.key, kind], n);
    };
    add('input', usage.input_tokens);
    add('cache_read', usage.cache_read_tokens);
    add('cache_write', usage.cache_write_tokens);
  }

  /** A count a provider got wrong (negative, not a number) must not poison the series for good: it is left out. */
  private addTokens(route: string, kind: string, n: number | undefined): void {
    if (n !== undefined && n > 0 && Number.isFinite(n)) this.tokens.inc([route, kind], n);
  }

  /** Each secret the guard found, counted by its rule and what was done. */
  guardFound(findings: readonly { rule: string; action: string }[]): void {
    for (const f of findings) this.guardHits.inc([f.rule, f.action]);
  }

  reloaded(result: 'ok' | 'invalid'): void {
    this.reloads.inc({ result });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
