// What every gateway plugin shares: the router (createSwitchyard), the store, the logger, the metrics, the key
// cache, and the current settings snapshot. A reload swaps `settings` in one assignment, so a request that read it
// at its start keeps a consistent view; the router keeps in-flight calls on the config they started with.
import type { HostedToolsPolicy } from './wire/responses/request.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { LineWriter, Logger } from '../log.ts';
import type { StateStore } from '../state/types.ts';
import type { Switchyard } from '../library/switchyard.ts';
import type { GatewayMetrics } from './metrics/metrics.ts';
import type { KeyCache } from './keys/key-cache.ts';
import type { KeyConcurrency } from './request/key-concurrency.ts';
import type { InFlight } from './request/in-flight.ts';
import { buildModelIndex, type ModelIndex } from './request/model-resolve.ts';
import type { UsageLedger } from '../usage/ledger.ts';
import type { RecentTrails } from './ui/recent.ts';
import type { LiveStreams } from './ui/live.ts';
import type { RouteRates } from './ui/route-rates.ts';
import type { RecordQueue } from './records/request-record.ts';
import { PriceBook } from '../usage/prices.ts';
import type { McpHub } from '../mcp/hub.ts';
import type { McpGovernor } from '../mcp/governor.ts';

export interface GatewaySettings {
  loaded: LoadedConfig;
  requireKeys: boolean;
  /** `gateway.max_in_flight_per_key` (undefined: no limit). */
  maxInFlightPerKey: number | undefined;
  adminKey: string | undefined;
  models: ModelIndex;
  /** `gateway.hosted_tools`: what a Responses request's built-in tools get. */
  hostedTools: HostedToolsPolicy;
  /** The price of each route under this config (docs/usage.md#prices). */
  prices: PriceBook;
  /** `gateway.client_retry_max_wait` in ms: a longer Retry-After also says `x-should-retry: false`. */
  clientRetryMaxWaitMs: number;
}

export interface GatewayContext {
  readonly router: Switchyard;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Writes the line per request (see request-log.ts). */
  readonly requestLine: LineWriter;
  /** Each finished request's record, on its way to the readers (record-readers.ts). */
  readonly records: RecordQueue;
  readonly metrics: GatewayMetrics;
  readonly keys: KeyCache;
  /** Requests in flight per client key, for `maxInFlightPerKey` (kept across reloads). */
  readonly keyConcurrency: KeyConcurrency;
  /** Chat requests being served, for a shutdown whose drain time is up (server.ts). */
  readonly inFlight: InFlight;
  settings: GatewaySettings;
  /** The environment the config is re-read with (environmentForReloads: without what came from the .env). */
  readonly reloadEnv: Readonly<Record<string, string | undefined>>;
  /** The variables reloadEnv leaves out (dotenv.ts followedFromDotenv), for the "no API key" places. */
  readonly followsDotenv: ReadonlySet<string>;
  /** Set once shutdown begins: /readyz turns 503 so balancers stop sending. */
  closing: boolean;
  /** `--listen HOST:PORT`, when given: it wins over `gateway.listen`, now and at every restart with that command. */
  readonly listenOverride?: string;
  /** The last reload, once one has happened: a refused one is shown by /readyz and /admin/status (the previous config
   * still serving), until a later one applies. */
  lastReload?: ReloadOutcome;
  /** The usage ledger (`usage.store`), when one is kept: a row per chat request (docs/usage.md). */
  readonly usage?: UsageLedger;
  /** The dashboard's recent failed or retried requests, with their trails (src/gateway/ui/recent.ts). */
  readonly recent?: RecentTrails;
  /** The dashboard's live event streams, told each request's attempts (src/gateway/ui/live.ts). */
  readonly live?: LiveStreams;
  /** The dashboard's per-route success, rotation and fallback rates, counted from each request's record
   * (src/gateway/ui/route-rates.ts). */
  readonly rates?: RouteRates;
  /** The MCP servers behind /mcp (src/mcp/hub.ts). */
  readonly mcp: McpHub;
  /** What /mcp may list and call, and what it is told of each call (src/mcp/governor.ts); `openGovernor` until
   * governance is plugged in. The hub reads it at every request. */
  mcpGovernor: McpGovernor;
}

export interface ReloadOutcome {
  ok: boolean;
  /** Epoch ms. */
  at: number;
  /** Why it was refused (located, scrubbed of secrets). */
  error?: string;
}

export function settingsFrom(loaded: LoadedConfig): GatewaySettings {
  const g = loaded.config.gateway;
  return {
    loaded,
    requireKeys: g.require_keys,
    maxInFlightPerKey: g.max_in_flight_per_key,
    // An empty string (an unset ${VAR}) means no admin key: the admin API stays off rather than open.
    adminKey: g.admin_key ? g.admin_key : undefined,
    models: buildModelIndex(loaded.config),
    hostedTools: g.hosted_tools,
    prices: new PriceBook(loaded.config),
    clientRetryMaxWaitMs: g.client_retry_max_wait,
  };
}
