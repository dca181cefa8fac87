// Every way a route can fail: a classified kind (src/errors/kinds.ts), every key unusable, or the provider's breaker
// open. Tables keyed by these (CHAIN_RULE, the gateway's FAILURE_TABLE) are typed so that each kind has a row.
import { ERROR_KINDS, type ErrorKind } from '../errors/kinds.ts';

export type RouteFailureKind = ErrorKind | 'all_cooling' | 'breaker_open' | 'budget';

export const ROUTE_FAILURE_KINDS: readonly RouteFailureKind[] = [
  ...ERROR_KINDS,
  'all_cooling',
  'breaker_open',
  'budget',
];
