// The scenario format (docs/simulator.md): which models are served, and how each key behaves. Validated with zod; durations
// are normalised to milliseconds. See docs/simulator.md for every field.
import { z } from 'zod';
import { durationSchema, MAX_TIMEOUT_MS } from '../config/schema.ts';
import { STEP_NAMES, type StepName } from './steps.ts';
import { didYouMean } from '../config/suggest.ts';

/** Latencies and windows: a day at most (a timer set further out misfires, and no test waits that long). */
const duration = durationSchema({ max: MAX_TIMEOUT_MS }, '0ms, 250ms, 30s or 5m');

const rate = z.number().min(0).max(1);

/** Probabilities (0..1) of a fault on a call; set on a key, a model, or both (then either can fire). */
export const RATE_NAMES = [
  'reset_rate',
  'transient_401_rate',
  'server_error_rate',
  'overloaded_rate',
  'cut_rate',
] as const;
export type RateName = (typeof RATE_NAMES)[number];

const behaviourShape = {
  latency: duration.optional(),
  /** Pause between stream events, so a test can act mid-stream. */
  stream_delay: duration.optional(),
  reset_rate: rate.optional(),
  transient_401_rate: rate.optional(),
  server_error_rate: rate.optional(),
  overloaded_rate: rate.optional(),
  cut_rate: rate.optional(),
};

/** How the OpenAI API writes the ids of the tool calls it answers: as OpenAI does, or left out / empty, as some
 * OpenAI-compatible servers (Ollama, sglang, GLM's) do. */
export const TOOL_CALL_IDS = ['present', 'missing', 'empty'] as const;
export type ToolCallIds = (typeof TOOL_CALL_IDS)[number];

/** What answers carry beyond the plain reply, for testing how a client reads it (docs/simulator.md, "Answer
 * options"). Unset on a key: the model's setting; unset on both: off. */
const answerShape = {
  /** Report prompt-cache usage (Anthropic cache_read/cache_creation_input_tokens, OpenAI cached_tokens). */
  prompt_cache: z.boolean().optional(),
  /** How long a cached prefix lives after it was last written or read (Anthropic's default: 5 minutes). */
  prompt_cache_ttl: duration.optional(),
  /** Stop at a request's stop sequence when the last user message contains one. */
  stop_sequences: z.boolean().optional(),
  tool_call_ids: z.enum(TOOL_CALL_IDS).optional(),
  /** How tokens are counted: `chars` (characters / 4, the default) or `o200k` (gpt-tokenizer's o200k encoding, as
   * real models count; what the gateway's estimates count too, so a billed count can be compared exactly). */
  token_count: z.enum(['chars', 'o200k']).optional(),
  /** `omitted`: OpenAI answers carry no usage (no `usage` field, no usage chunk), as some compatible servers do. */
  usage: z.enum(['reported', 'omitted']).optional(),
  /** A `cut` stream delivers this many content chunks before the connection dies (default: half of them). */
  cut_after: z.number().int().min(0).optional(),
};

/** Headers a 429 can carry to say when to come back (each is a real provider's convention). */
export const RESET_HEADERS = [
  'retry-after',
  'retry-after-ms',
  'retry-after-date',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-reset',
] as const;
export type ResetHeader = (typeof RESET_HEADERS)[number];

export const API_NAMES = ['openai', 'anthropic'] as const;
export type ApiName = (typeof API_NAMES)[number];

/** `401` in YAML is a number; steps are names, so numbers are read as their text. */
const stepSchema = z
  .union([z.number(), z.string()])
  .transform((v) => String(v))
  .pipe(
    z.enum(STEP_NAMES as [StepName, ...StepName[]], {
      error: (issue) => `unknown step ${JSON.stringify(issue.input)}; steps are ${STEP_NAMES.join(', ')}`,
    }),
  );

/** `key:` with nothing after it is YAML null: treat it as `{}`. */
const emptyIsObject = (v: unknown): unknown => (v === null ? {} : v);

const modelObject = z.strictObject({
  context_window: z.number().int().positive().default(128_000),
  /** The largest max_tokens the model accepts: above it, a 400 stating the limit (model-limits.ts). Unset: any. */
  max_output_tokens: z.number().int().positive().optional(),
  ...behaviourShape,
  ...answerShape,
});
export const modelSchema = z.preprocess(emptyIsObject, modelObject);

const keyObject = z.strictObject({
  /** false: every call is 401 invalid_api_key. */
  valid: z.boolean().default(true),
  /** Only these APIs accept the key (401 on the others). */
  apis: z.array(z.enum(API_NAMES)).optional(),
  /** Only these models are open to the key (404 model_not_found on the others). */
  models: z.array(z.string()).optional(),
  /** After N accepted calls in a window, 429 until `reset` has passed since the window opened. */
  rate_limit_after: z.number().int().min(0).optional(),
  reset: duration.default(60_000),
  reset_headers: z.array(z.enum(RESET_HEADERS)).default(['retry-after']),
  /** true/openai/insufficient_quota: 429 insufficient_quota (Anthropic: 400 credit balance); payment: 402. */
  quota: z.union([z.boolean(), z.enum(['openai', 'insufficient_quota', 'payment'])]).default(false),
  /** Exact outcomes of the key's next calls, in order; then the default behaviour (or again, with loop_script). */
  script: z.array(stepSchema).default([]),
  loop_script: z.boolean().default(false),
  /** The key is an AWS access key id: its secret access key, with which a Bedrock request's SigV4 signature is
   * checked, and the session token the request must carry (temporary credentials). */
  aws_secret: z.string().optional(),
  aws_session_token: z.string().optional(),
  /** The account the key belongs to: keys of one account share its prompt cache. Unset: the key is its own. */
  account: z.string().min(1).optional(),
  ...behaviourShape,
  ...answerShape,
});
/** Settings that each read well but together do nothing, or less than they say: refused, not silently half-applied. */
function checkKey(key: z.output<typeof keyObject>, ctx: z.RefinementCtx): void {
  if (key.rate_limit_after !== undefined && key.reset === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['reset'],
      message:
        'with rate_limit_after, reset is how long the window lasts: 0 would never limit anything; give a duration such as 30s',
    });
  }
  if (key.reset_headers.includes('retry-after') && key.reset_headers.includes('retry-after-date')) {
    ctx.addIssue({
      code: 'custom',
      path: ['reset_headers'],
      message:
        'retry-after and retry-after-date are both sent as the Retry-After header, and the date would replace the seconds: choose one',
    });
  }
}

export const keySchema = z.preprocess(emptyIsObject, keyObject.superRefine(checkKey));

/** An OAuth2 client of the simulator's token endpoint (fronts/oauth2/service.ts, docs/simulator.md "OAuth2"). */
const oauthClientObject = z.strictObject({
  /** The client secret it must send; unset: any (or none). */
  secret: z.string().optional(),
  grants: z
    .array(z.enum(['client_credentials', 'refresh_token', 'jwt_bearer']))
    .default(['client_credentials', 'refresh_token']),
  /** A service account's public key (PEM): the jwt-bearer grant's assertion (RFC 7523, as Google's service-account
   * keys sign it) must be signed by its private key, the client being the assertion's `iss`. A client with one takes
   * that grant whatever `grants` says. */
  public_key: z.string().optional(),
  /** The first refresh token it accepts (the refresh_token grant). */
  refresh_token: z.string().optional(),
  /** Each refresh token is single-use: spending one answers a new one; spending it again is invalid_grant. */
  rotate: z.boolean().default(true),
  /** How long an access token works; after that it answers 401 token_expired. */
  expires_in: duration.default(3_600_000),
  /** After this many chat calls an access token answers 401 token_invalidated. */
  max_requests: z.number().int().min(1).optional(),
  /** Outcomes of the next token requests, in order; then `ok`. */
  script: z.array(z.enum(['ok', 'invalid_grant', 'invalid_client', '500'])).default([]),
  /** Added before the token endpoint answers (a mint that takes time, so concurrent mints overlap). */
  latency: duration.default(0),
});
export type OAuthClient = z.output<typeof oauthClientObject>;

const oauth2Object = z.strictObject({
  clients: z.record(z.string().min(1), z.preprocess(emptyIsObject, oauthClientObject)).default({}),
});

/** AWS STS (fronts/sts/service.ts): how long a session AssumeRole issues lives (at most; a shorter DurationSeconds
 * is honoured). */
const stsObject = z.strictObject({
  session: duration.default(3_600_000),
});

export const DEFAULT_MODELS = {
  'sim-large': { context_window: 128_000 },
  'sim-small': { context_window: 8_000 },
};

export const scenarioSchema = z.preprocess(
  emptyIsObject,
  z
    .strictObject({
      seed: z.number().int().default(1),
      latency: duration.default(0),
      stream_delay: duration.default(0),
      models: z.record(z.string().min(1), modelSchema).default(DEFAULT_MODELS),
      /** Key `'*'` (if present) is the behaviour of every key not listed; without it unknown keys get 401. */
      keys: z.record(z.string().min(1), keySchema).default({}),
      /** A token endpoint (POST /oauth2/token); the tokens it issues are keys (behaving as the key named like their
       * client, when there is one, else as a plain valid key). */
      oauth2: z.preprocess(emptyIsObject, oauth2Object).default({ clients: {} }),
      sts: z.preprocess(emptyIsObject, stsObject).default({ session: 3_600_000 }),
      /** A region down or throttled: every call to it (Bedrock's signing region, Vertex's location) gets this step. */
      regions: z.record(z.string().min(1), stepSchema).default({}),
    })
    .superRefine(checkKeyModels),
);

/** A key's `models:` must name served models: a typo would answer every call 404 and list no model, unexplained. */
function checkKeyModels(
  scenario: { models: Record<string, unknown>; keys: Record<string, { models?: string[] | undefined }> },
  ctx: z.RefinementCtx,
): void {
  const served = Object.keys(scenario.models);
  for (const [name, key] of Object.entries(scenario.keys)) {
    key.models?.forEach((model, i) => {
      if (served.includes(model)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['keys', name, 'models', i],
        message: `${model} is not a served model (served: ${served.join(', ') || 'none'})${didYouMean(model, served)}`,
      });
    });
  }
}

export type Scenario = z.output<typeof scenarioSchema>;
export type KeyBehaviour = z.output<typeof keyObject>;
export type ModelSpec = z.output<typeof modelObject>;

/** What a test may write inline: every field optional, durations as `30s` or milliseconds, steps as in YAML. */
export interface ScenarioInput {
  seed?: number;
  latency?: string | number;
  stream_delay?: string | number;
  models?: Record<string, z.input<typeof modelObject> | null>;
  keys?: Record<string, z.input<typeof keyObject> | null>;
  oauth2?: { clients?: Record<string, z.input<typeof oauthClientObject> | null> };
  sts?: { session?: string | number };
  regions?: Record<string, z.input<typeof stepSchema>>;
}
