// What the simulator can do to one call, as data. A script step (scenario `script:`) names one row of STEPS; the
// rates and the rate-limit/quota rules produce the same actions. docs/simulator.md documents every row.

/** HTTP errors the simulator can answer with; each has an OpenAI and an Anthropic rendering (see errors.ts). */
export type ErrorName =
  | 'missing_key'
  | 'invalid_key'
  | 'token_invalidated'
  | 'token_expired'
  | 'forbidden'
  | 'forbidden_server_error'
  | 'region_refused'
  | 'model_access_denied'
  | 'payment'
  | 'quota'
  | 'rate_limited'
  | 'server'
  | 'bad_gateway'
  | 'unavailable'
  | 'overloaded'
  | 'overloaded_529'
  | 'context_length'
  | 'bad_request'
  | 'content_filter'
  | 'model_not_found'
  | 'invalid_body'
  | 'missing_version'
  | 'missing_max_tokens'
  /** OpenAI's WebSocket mode at its connection's 60 minutes: the turn refused, the connection closed after it. */
  | 'socket_limit';

/** What the server does with the call. */
export type Action =
  | { kind: 'answer' }
  | { kind: 'error'; error: ErrorName }
  /** Destroy the socket without a response. */
  | { kind: 'reset' }
  /** Never answer (the client's timeout fires first). */
  | { kind: 'timeout' }
  /** Send some content, then destroy the socket (no terminal event). */
  | { kind: 'cut' }
  /** Send some content, then go silent with the connection open. */
  | { kind: 'stall' }
  /** An error event inside a 200 stream, after some content (`first: false`) or before any (`first: true`). */
  | { kind: 'stream_error'; first: boolean };

export interface StepInfo {
  action: Action;
  /** Recorded in SimCallRecord.outcome. */
  outcome: string;
  /** Answered only once `POST /_sim/release` lets it go (holds.ts): a test decides when, not a latency. */
  held?: boolean;
}

const err = (error: ErrorName, outcome: string): StepInfo => ({ action: { kind: 'error', error }, outcome });

export const STEPS = {
  ok: { action: { kind: 'answer' }, outcome: 'ok' },
  hold: { action: { kind: 'answer' }, outcome: 'ok', held: true },
  '401': err('invalid_key', 'auth'),
  '401_token_invalidated': err('token_invalidated', 'token_invalidated'),
  '401_token_expired': err('token_expired', 'token_expired'),
  '403': err('forbidden', 'forbidden'),
  '403_server_error': err('forbidden_server_error', 'server'),
  '403_region': err('region_refused', 'region'),
  '403_model_access': err('model_access_denied', 'model_access'),
  '402': err('payment', 'quota'),
  '429': err('rate_limited', 'rate_limited'),
  '429_quota': err('quota', 'quota'),
  '500': err('server', 'server'),
  '502': err('bad_gateway', 'server'),
  '503': err('unavailable', 'server'),
  '529': err('overloaded_529', 'overloaded'),
  overloaded: err('overloaded', 'overloaded'),
  timeout: { action: { kind: 'timeout' }, outcome: 'timeout' },
  reset: { action: { kind: 'reset' }, outcome: 'reset' },
  cut: { action: { kind: 'cut' }, outcome: 'cut' },
  stall: { action: { kind: 'stall' }, outcome: 'stall' },
  stream_error: { action: { kind: 'stream_error', first: false }, outcome: 'stream_error' },
  stream_error_first: { action: { kind: 'stream_error', first: true }, outcome: 'stream_error' },
  context_length: err('context_length', 'context_length'),
  bad_request: err('bad_request', 'bad_request'),
  content_filter: err('content_filter', 'content_filter'),
  socket_limit: err('socket_limit', 'socket_limit'),
} as const satisfies Record<string, StepInfo>;

export type StepName = keyof typeof STEPS;
export const STEP_NAMES = Object.keys(STEPS) as StepName[];
