// One running simulator's state, which every front door reads and /_sim/ changes: the scenario, its keys' states,
// the credential services, the call book, stored responses, and the counters that number calls. Kept apart from
// the HTTP server so a front door is a function of it, not a closure inside `startSimulator`.
import { CallBook } from './call-book.ts';
import { HeldCalls } from './holds.ts';
import { KeyStates } from './key-state.ts';
import { resolveScenario } from './scenario-load.ts';
import { OAuthEndpoint } from './fronts/oauth2/service.ts';
import { StsEndpoint } from './fronts/sts/service.ts';
import { ResponseStore } from './fronts/responses/store.ts';
import { scenarioSecrets, type AwsSecretLookup } from './fronts/bedrock/request.ts';
import type { ControlTarget } from './control.ts';
import type { StepName } from './steps.ts';
import type { Scenario, ScenarioInput } from './scenario.ts';
import type { SimCallRecord } from './types.ts';

/** Called for every chat call, as it is decided, with the scenario it was decided by. */
export type OnCall = (call: SimCallRecord, scenario: Scenario) => void;

export class Simulation implements ControlTarget {
  #scenario: Scenario;
  readonly states: KeyStates;
  readonly oauth: OAuthEndpoint;
  readonly sts = new StsEndpoint();
  readonly book = new CallBook();
  /** Calls of the `hold` step, until POST /_sim/release. */
  readonly held = new HeldCalls();
  /** Responses kept for `previous_response_id`; a reset forgets them. */
  readonly stored = new ResponseStore();
  /** Aborted when the simulator closes: pending waits end quietly. */
  readonly closing = new AbortController();
  readonly onCall: OnCall | undefined;
  /** Each call's record keeps its body's text (SimulatorOptions.keepBodies). */
  keepBodies = false;
  /** Regions down or throttled: the scenario's `regions:`, changed at run time by PUT /_sim/regions. */
  #regions: Record<string, StepName>;
  /** Numbers the ids of answers (`req_sim_N`, `chatcmpl-sim-N`, `call_sim_N`, …). Never reset: an id names one
   * call for the life of the simulator, so a client's log stays unambiguous across /_sim/reset and new scenarios. */
  #seq = 0;
  /** Every chat call since start; `book` counts only since the last reset. */
  served = 0;

  constructor(scenario: Scenario | ScenarioInput | string, onCall?: OnCall) {
    this.#scenario = resolveScenario(scenario);
    this.states = new KeyStates(this.#scenario.seed);
    this.oauth = new OAuthEndpoint(this.#scenario);
    this.#regions = { ...this.#scenario.regions };
    this.onCall = onCall;
  }

  scenario(): Scenario {
    return this.#scenario;
  }

  regions(): Record<string, StepName> {
    return this.#regions;
  }

  setRegions(next: Record<string, StepName>): void {
    this.#regions = next;
  }

  nextSeq(): number {
    return ++this.#seq;
  }

  reset(): void {
    this.book.clear();
    this.stored.clear();
    this.states.clear(this.#scenario.seed);
    this.oauth.reset(this.#scenario);
    this.sts.reset();
    this.#regions = { ...this.#scenario.regions };
  }

  setScenario(next: Scenario | ScenarioInput | string): void {
    this.#scenario = resolveScenario(next);
    this.reset();
  }

  /** The AWS secrets a signature is checked against: the scenario's keys' and the sessions STS issued. */
  awsSecrets(): AwsSecretLookup {
    return this.sts.lookup(scenarioSecrets(this.#scenario), Date.now);
  }
}
