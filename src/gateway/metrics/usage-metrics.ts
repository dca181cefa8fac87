// The usage series on /metrics (docs/usage.md#metrics): tokens and estimated cost by task, route and client key,
// and the ledger's own health. Labels stay bounded: tasks come from the config, routes through metricRoute, client
// key names are the operator's own keys, capped at MAX_CLIENT_KEYS (then `other`).
import { Gauge } from 'prom-client';
import type { GatewayContext } from '../context.ts';
import type { GatewayMetrics } from './metrics.ts';
import { FastCounter, register } from './fast-metrics.ts';
import { metricRoute } from '../request/model-resolve.ts';
import type { UsageRow } from '../../usage/row.ts';
import type { LedgerStats } from '../../usage/ledger.ts';

export const MAX_CLIENT_KEYS = 200;
/** Each kind's label and its field of a charge (a template per kind and charge was a string built per request). */
const KINDS = [
  ['input', 'input_tokens'],
  ['output', 'output_tokens'],
  ['cache_read', 'cache_read_tokens'],
  ['cache_write', 'cache_write_tokens'],
  ['reasoning', 'reasoning_tokens'],
] as const;

/** The ledger's own health, read from its stats when /metrics is scraped: the stat, the series and its help. */
const LEDGER_GAUGES: readonly (readonly [keyof LedgerStats, string, string])[] = [
  [
    'pending',
    'switchyard_usage_ledger_pending_rows',
    'Ledger rows in memory, on no disk yet (a full disk or spool keeps them here)',
  ],
  [
    'spooled',
    'switchyard_usage_ledger_spooled_rows',
    'Ledger rows on local disk in the spool, waiting for the PostgreSQL ledger to take them',
  ],
  [
    'failures',
    'switchyard_usage_ledger_write_failures',
    'Ledger writes that failed since start (the rows stay queued)',
  ],
  [
    'dropped',
    'switchyard_usage_ledger_dropped_rows',
    'Ledger rows dropped since start because the queue was full while the store was down',
  ],
];

export class UsageMetrics {
  readonly tokens = new FastCounter({
    name: 'switchyard_usage_tokens_total',
    help: 'Tokens billed, by task, route (each attempt its own), client key name and kind (input is the whole prompt, cached parts included; reasoning is part of output)',
    labelNames: ['task', 'route', 'client_key', 'kind'],
  });
  readonly cost = new FastCounter({
    name: 'switchyard_usage_cost_usd_total',
    help: 'Estimated USD billed, by task, route and client key (routes without a price add nothing)',
    labelNames: ['task', 'route', 'client_key'],
  });
  readonly #keys = new Set<string>();

  clientLabel(name: string): string {
    if (this.#keys.has(name)) return name;
    if (this.#keys.size >= MAX_CLIENT_KEYS) return 'other';
    this.#keys.add(name);
    return name;
  }
}

const BY_METRICS = new WeakMap<GatewayMetrics, UsageMetrics>();

export function installUsageMetrics(ctx: GatewayContext): void {
  const m = new UsageMetrics();
  BY_METRICS.set(ctx.metrics, m);
  register(ctx.metrics.registry, m.tokens);
  register(ctx.metrics.registry, m.cost);
  const ledger = ctx.usage;
  if (ledger === undefined) return;
  for (const [stat, name, help] of LEDGER_GAUGES)
    new Gauge({
      name,
      help,
      registers: [ctx.metrics.registry],
      collect() {
        this.set(ledger.stats[stat]);
      },
    });
}

export function countUsage(ctx: GatewayContext, row: UsageRow): void {
  const m = BY_METRICS.get(ctx.metrics);
  if (m === undefined || row.charges.length === 0) return;
  const client = m.clientLabel(row.client_key || 'none');
  const charges = row.charges;
  for (let i = 0; i < charges.length; i++) {
    const c = charges[i]!;
    const route = metricRoute(ctx.settings.models, c.route);
    // One array of labels for the charge, its kind put in for each count: the series copies what it keeps.
    const labels = [row.task, route, client, ''];
    for (let k = 0; k < KINDS.length; k++) {
      const n = c[KINDS[k]![1]];
      if (n <= 0) continue;
      labels[3] = KINDS[k]![0];
      m.tokens.inc(labels, n);
    }
    if (c.cost_usd !== null && c.cost_usd > 0) m.cost.inc([row.task, route, client], c.cost_usd);
  }
}
