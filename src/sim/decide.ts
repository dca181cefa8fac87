// The fault decision: given the scenario, the key's progress and the request, what happens to this call.
// Order: authentication, request validity, model, the key's script, context window, quota, rate limit, random
// faults, success. Seeded: the same scenario and the same calls per key give the same outcomes.
import {
  keySchema,
  type ApiName,
  type KeyBehaviour,
  type ModelSpec,
  type RateName,
  type Scenario,
} from './scenario.ts';
import { STEPS, type Action, type ErrorName, type StepName } from './steps.ts';
import type { KeyStates, KeyState } from './key-state.ts';
import { resetHeaders } from './reset-headers.ts';
import { answerOptions, type AnswerOptions } from './answer-options.ts';

export interface DecideInput {
  api: ApiName;
  key: string | undefined;
  model: string | undefined;
  /** Set when the request body itself is unacceptable (checked after authentication, as real APIs do). */
  requestProblem?: ErrorName;
  promptTokens: number;
  now: number;
  /** The key is an access token of the simulator's token endpoint (fronts/oauth2/service.ts): its client, and what
   * is wrong with it. */
  issued?: { client: string; problem?: 'token_expired' | 'token_invalidated' };
  /** The scenario's step for the call's region (`regions:`): a region down or throttled, whatever the key. */
  regionStep?: StepName;
}

/** How an issued token behaves when no key is named like it or its client: a plain valid key. */
const ISSUED_DEFAULT = keySchema.parse({});

export interface Decision {
  action: Action;
  outcome: string;
  /** Extra response headers (rate-limit reset, remaining quota). */
  headers: Record<string, string>;
  /** Waits for `POST /_sim/release` before it is answered (the `hold` step). */
  held?: boolean;
  /** Added latency before answering, and between stream events. */
  latencyMs: number;
  streamDelayMs: number;
  /** The served model, when the request named one. */
  modelSpec?: ModelSpec;
  /** What an answer carries beyond the plain reply (prompt-cache usage, stop sequences, tool-call ids). */
  answer: AnswerOptions;
}

const errorDecision = (error: ErrorName, outcome: string): Pick<Decision, 'action' | 'outcome'> => ({
  action: { kind: 'error', error },
  outcome,
});

/** Random faults in the order they are drawn; one draw each per call, so the sequence never shifts. */
const RATE_OUTCOMES: [RateName, StepName, string][] = [
  ['reset_rate', 'reset', 'reset'],
  ['transient_401_rate', '401', 'transient_auth'],
  ['server_error_rate', '500', 'server'],
  ['overloaded_rate', 'overloaded', 'overloaded'],
  ['cut_rate', 'cut', 'cut'],
];

export function decide(scenario: Scenario, states: KeyStates, input: DecideInput): Decision {
  const behaviour = input.key === undefined ? undefined : behaviourOf(scenario, input.key, input.issued);
  const modelSpec = input.model === undefined ? undefined : scenario.models[input.model];
  const timing = {
    latencyMs: behaviour?.latency ?? modelSpec?.latency ?? scenario.latency,
    streamDelayMs: behaviour?.stream_delay ?? modelSpec?.stream_delay ?? scenario.stream_delay,
  };
  const base = {
    headers: {},
    ...timing,
    ...(modelSpec ? { modelSpec } : {}),
    answer: answerOptions(behaviour, modelSpec),
  };

  if (input.key === undefined) return { ...base, ...errorDecision('missing_key', 'auth_missing') };
  if (input.issued?.problem !== undefined)
    return { ...base, ...errorDecision(input.issued.problem, input.issued.problem) };
  if (input.regionStep !== undefined && input.regionStep !== 'ok')
    return { ...base, ...STEPS[input.regionStep], outcome: `region_${STEPS[input.regionStep].outcome}` };
  if (!behaviour || !behaviour.valid || (behaviour.apis && !behaviour.apis.includes(input.api))) {
    return { ...base, ...errorDecision('invalid_key', 'auth') };
  }
  if (input.requestProblem) return { ...base, ...errorDecision(input.requestProblem, 'bad_request') };
  if (!modelSpec || (behaviour.models && !behaviour.models.includes(input.model ?? ''))) {
    return { ...base, ...errorDecision('model_not_found', 'not_found') };
  }
  const state = states.get(input.key);
  const step = nextScriptStep(behaviour, state);
  if (step)
    return {
      ...base,
      ...STEPS[step],
      headers: step === '429' ? resetHeaders(behaviour.reset_headers, behaviour.reset, input.now) : {},
    };
  if (input.promptTokens > modelSpec.context_window)
    return { ...base, ...errorDecision('context_length', 'context_length') };
  if (behaviour.quota !== false)
    return { ...base, ...errorDecision(behaviour.quota === 'payment' ? 'payment' : 'quota', 'quota') };

  const limited = rateLimit(behaviour, state, input.now);
  if (limited) return { ...base, ...errorDecision('rate_limited', 'rate_limited'), headers: limited };

  const fault = drawFault(behaviour, modelSpec, state);
  if (fault) return { ...base, ...fault };
  return { ...base, ...STEPS.ok, headers: remainingHeaders(behaviour, state) };
}

/** The behaviour a key gets: its own, its client's when it is an issued token, else the `'*'` key's. */
export function behaviourOf(scenario: Scenario, key: string, issued: DecideInput['issued']): KeyBehaviour | undefined {
  return scenario.keys[key] ?? issuedBehaviour(scenario, issued) ?? scenario.keys['*'];
}

function issuedBehaviour(scenario: Scenario, issued: DecideInput['issued']): KeyBehaviour | undefined {
  return issued === undefined ? undefined : (scenario.keys[issued.client] ?? ISSUED_DEFAULT);
}

function nextScriptStep(behaviour: KeyBehaviour, state: KeyState): StepName | undefined {
  const script = behaviour.script;
  if (script.length === 0) return undefined;
  if (state.scriptPos >= script.length && !behaviour.loop_script) return undefined;
  const step = script[state.scriptPos % script.length];
  state.scriptPos++;
  return step;
}

/** Fixed window: opens at the first accepted call; after `rate_limit_after` accepted calls, 429 until it closes. */
function rateLimit(behaviour: KeyBehaviour, state: KeyState, now: number): Record<string, string> | undefined {
  const limit = behaviour.rate_limit_after;
  if (limit === undefined) return undefined;
  if (state.windowStart === undefined || now - state.windowStart >= behaviour.reset) {
    state.windowStart = now;
    state.windowCount = 0;
  }
  if (state.windowCount >= limit) {
    const remaining = state.windowStart + behaviour.reset - now;
    return {
      ...resetHeaders(behaviour.reset_headers, remaining, now),
      'x-ratelimit-limit-requests': String(limit),
      'x-ratelimit-remaining-requests': '0',
    };
  }
  state.windowCount++;
  return undefined;
}

function remainingHeaders(behaviour: KeyBehaviour, state: KeyState): Record<string, string> {
  const limit = behaviour.rate_limit_after;
  if (limit === undefined) return {};
  return {
    'x-ratelimit-limit-requests': String(limit),
    'x-ratelimit-remaining-requests': String(Math.max(0, limit - state.windowCount)),
  };
}

/** Key and model rates both apply: a fault fires when either would fire, i.e. with p = 1 − (1−pk)(1−pm). */
function drawFault(
  behaviour: KeyBehaviour,
  model: ModelSpec,
  state: KeyState,
): Pick<Decision, 'action' | 'outcome'> | undefined {
  let chosen: Pick<Decision, 'action' | 'outcome'> | undefined;
  for (const [rate, step, outcome] of RATE_OUTCOMES) {
    const p = 1 - (1 - (behaviour[rate] ?? 0)) * (1 - (model[rate] ?? 0));
    const roll = state.rng();
    if (!chosen && roll < p) chosen = { action: STEPS[step].action, outcome };
  }
  return chosen;
}
