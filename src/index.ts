// The public library API: `import { createSwitchyard, loadConfig, configFromObject } from 'switchyard'`
// (docs/routing.md#library-api).

// First: on a Node too old to run the library, fail saying so (node-version.ts).
import './node-version.ts';

// The router (it refuses anything but a LoadedConfig, in createSwitchyard and reload, with a UserError saying what
// to pass)
export { createSwitchyard } from './library/switchyard.ts';
export type { Switchyard, SwitchyardOptions } from './library/switchyard.ts';
export type { AdapterFor, Sleep } from './routing/call-context.ts';
export type { Breakers } from './routing/breaker.ts';
export type { Logger } from './log.ts';
export type {
  Attempt,
  AttemptUsage,
  UnusableKey,
  ChatOptions,
  ChatSuccess,
  Disabled,
  LadderDecision,
  LadderEvent,
  StreamSuccess,
} from './calls/types.ts';
export type { LadderEvents, LadderListener } from './calls/events.ts';
export { SwitchyardError, EXPLANATION_RANK } from './routing/errors.ts';
export type { RouteFailure, RouteFailureKind } from './routing/errors.ts';
export { resolveTask, UnknownTaskError } from './config/resolve-task.ts';
export type { RouteSpec, TaskPlan } from './config/resolve-task.ts';
export { ROUTE_LADDER, REFINED_ROUTE_LADDER, CHAIN_RULE, REQUESTED_ROUTE_RULE } from './routing/policy.ts';
export type { RouteAction, ChainAction } from './routing/policy.ts';
export type { BreakerOptions, BreakerState } from './routing/breaker.ts';

// Configuration
export { loadConfig } from './config/load.ts';
export type { LoadOptions } from './config/load.ts';
export { configFromObject, isLoadedConfig } from './config/object.ts';
export type { ConfigObjectOptions } from './config/object.ts';
export { watchConfig } from './config/watch.ts';
export type { WatchOptions } from './config/watch.ts';
export type { LoadedConfig, Origin } from './config/types.ts';
export type { Config, Route } from './config/schema.ts';

// Errors
export { ERROR_KINDS } from './errors/kinds.ts';
export type { ErrorKind } from './errors/kinds.ts';
export {
  UpstreamError,
  AuthMissingError,
  AuthRejectedError,
  QuotaExceededError,
  RateLimitedError,
  OverloadedError,
  UpstreamServerError,
  UpstreamTimeoutError,
  UpstreamConnectionError,
  ContextLengthError,
  ContentFilterError,
  ModelNotFoundError,
  RegionRefusedError,
  UpstreamBadRequestError,
} from './errors/upstream-error.ts';
export { UserError } from './user-error.ts';

// Credentials and state (for tools built on the library)
export { CredentialPool } from './credentials/pool.ts';
export type { PoolNotice, PoolOptions } from './credentials/pool.ts';
export { mask } from './config/mask.ts';
export type { Credential, CandidateStatus, CoolingReason, HealthRecord, SourceKind } from './credentials/types.ts';
export { openStore } from './state/open.ts';
export type { StateStore } from './state/types.ts';

// Provider wire shapes and adapters
export type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ContentPart,
  FinishReason,
  ImagePart,
  ProviderAdapter,
  ResponseFormat,
  SendContext,
  StreamEvent,
  ThinkingPart,
  ToolCall,
  ToolDefinition,
  Usage,
} from './providers/types.ts';

// Usage: the ledger, prices and what a usage costs (docs/usage.md)
export { openLedger } from './usage/open.ts';
export type { OpenLedgerOptions } from './usage/open.ts';
export { UsageLedger } from './usage/ledger.ts';
export type { LedgerStats } from './usage/ledger.ts';
export { lookUpPrice, costOf, PriceBook } from './usage/prices.ts';
export type { RoutePrice } from './usage/prices.ts';
export type { UsageRow, Charge, GroupTotals, Totals, UsageQuery, RequestQuery, RequestPage } from './usage/row.ts';
export type { SimBilled } from './sim/billing.ts';

// The simulator
export { startSimulator, loadScenario, parseScenarioText, resolveScenario } from './sim/server.ts';
export type { SimulatorOptions, Scenario, ScenarioInput } from './sim/server.ts';
export type { RunningSimulator, SimulatorHandle, SimCallRecord } from './sim/types.ts';
