// The simulator contract (docs/simulator.md). Scenario files are YAML; see docs/simulator.md.

export interface SimCallRecord {
  at: number;
  /** The API key sent (the simulator is a test tool; its own records may hold the key). */
  key: string;
  model: string;
  api: 'openai' | 'anthropic';
  path: string;
  stream: boolean;
  /** HTTP status answered (200 for streams, even when an error is sent inside). */
  status: number;
  /** What the simulator did: ok, rate_limited, quota, auth, transient_auth, server, overloaded, reset, cut, stream_error, … */
  outcome: string;
  /** Images in the request's messages. */
  images: number;
  /** The request's top-level field names besides model and messages, sorted (e.g. `max_tokens`, `seed`, `tools`). */
  fields: string[];
  /** Prompt-cache marks (`cache_control`) in the system prompt, messages and tools. */
  cache_marks: number;
  /** The `anthropic-beta` header as sent, or null. */
  anthropic_beta: string | null;
  /** The roles of `messages`, in order (e.g. `user`, `system`, `assistant`): where system messages reached the model. */
  roles: string[];
  /** What the call was billed (docs/simulator.md#usage-and-billing), once it has ended; null: nothing (an error status,
   * a reset) or not ended yet. */
  billed: import('./billing.ts').SimBilled | null;
  /** The call has ended (answered, failed, cut, or left by its client): its `billed` is final. */
  ended: boolean;
  /** With the `prompt_cache` answer option: the prompt tokens read from and written to the account's cache. */
  prompt_cache?: { read: number; creation: number };
  /** A turn of the Responses API's WebSocket mode (`GET /v1/responses` upgraded), not an HTTP request: the number of
   * its connection (1 for the simulator's first), so a test can tell turns of one connection. */
  websocket?: number;
  /** The request body as it came, byte for byte (OpenAI's and Anthropic's own paths), with the `keepBodies` option:
   * what a test compares with what the gateway was sent. */
  body?: string;
}

/** `await using sim = await startSimulator(…)` closes it at the end of the scope. */
export interface SimulatorHandle extends AsyncDisposable {
  /** e.g. http://127.0.0.1:43123 — OpenAI base_url is `${url}/v1`, Anthropic base_url is `url`. */
  url: string;
  port: number;
  /** Number of chat calls received, in total or for one key (and optionally one model). */
  calls(key?: string, model?: string): number;
  /** Every chat call since the simulator started: resets and scenario changes do not clear it. */
  served(): number;
  log(): SimCallRecord[];
  /** The tokens billed since the last reset, summed over the calls that have ended (or those of one key). */
  billed(key?: string): import('./billing.ts').SimBilled;
  /** Clears counters and per-key progress (scripts, rate-limit counters, RNG). */
  reset(): void;
  close(): Promise<void>;
}

/** What startSimulator returns: the contract above plus runtime control of the scenario. */
export interface RunningSimulator extends SimulatorHandle {
  /** Replaces the scenario (object, YAML text or file path) and clears all progress, as PUT /_sim/scenario does. */
  setScenario(scenario: import('./scenario.ts').Scenario | import('./scenario.ts').ScenarioInput | string): void;
  /** The scenario in force, resolved (durations in ms, defaults filled). */
  scenario(): import('./scenario.ts').Scenario;
  /** What the token endpoint did, per client (tokens issued, refresh tokens spent, invalid_grant answers). */
  oauth2(): Record<string, import('./fronts/oauth2/service.ts').OAuthCounts>;
  /** Every token the client was issued answers 401 token_invalidated from now on; returns how many. */
  invalidateTokens(client: string): number;
  /** What AWS STS did: sessions AssumeRole issued, sessions expired by expireSessions(). */
  sts(): import('./fronts/sts/service.ts').StsCounts;
  /** Every session STS issued expires now (Bedrock answers ExpiredTokenException to it); returns how many. */
  expireSessions(): number;
  /** Each region's step from now on (`{}`: every region up), as PUT /_sim/regions does. */
  setRegions(regions: Record<string, import('./steps.ts').StepName>): void;
}
