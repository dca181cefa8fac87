// The configuration contract (docs/config.md). Every section is parsed and typed here, including the ones only later
// parts of the product act on. Durations are normalised to milliseconds.
import { guardModeSchema, guardSchema } from './guard.ts';
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import {
  DURATION_SCHEMAS,
  HOUR,
  MAX_COOLDOWN_MS,
  MAX_DELAY_MS,
  MAX_TIMEOUT_MS,
  durationSchema,
} from './schema-duration.ts';
import { STREAMING_DEFAULTS, streamingSchema, taskStreamingSchema } from './streaming.ts';
import { parseListen } from './listen.ts';
import { proxyProblem } from './proxy.ts';
import { redactUrl } from './mask.ts';
import { isHeaderName, unsendableInHeader } from './header-values.ts';
import { isRedisUrl, REDIS_FORMS, redisUrlProblem } from './redis-url.ts';
import { budgetSchema, STORE_OUTAGE_KEY, STORE_OUTAGE_POLICIES } from './budgets-schema.ts';
import { PROVIDER_TYPES } from './providers/types.ts';
import { openaiChecks, openaiFields } from './providers/openai.ts';
import { azureChecks, azureFields } from './providers/azure.ts';
import { vertexFields, vertexPlace } from './providers/vertex.ts';
import { bedrockFields } from './providers/bedrock.ts';
import { ssoSchema } from './sso.ts';

export { DURATION_SCHEMAS, MAX_COOLDOWN_MS, MAX_DELAY_MS, MAX_TIMEOUT_MS, durationSchema } from './schema-duration.ts';
export type { DurationBounds } from './schema-duration.ts';

const timeout = (): z.ZodType<number, string | number> => durationSchema({ max: MAX_TIMEOUT_MS, positive: true });
const delay = (): z.ZodType<number, string | number> => durationSchema({ max: MAX_DELAY_MS });
const cooldown = (): z.ZodType<number, string | number> => durationSchema({ max: MAX_COOLDOWN_MS });

/** Prompt-cache affinity (src/credentials/affinity.ts): `prefix` sends a conversation back to the key and route that
 * served its earlier turns, where the provider's prompt cache is warm; `none` leaves every pick to the strategy. */
export const affinityModeSchema = z.enum(['prefix', 'none']);
export type AffinityMode = z.infer<typeof affinityModeSchema>;

/** An http(s) URL: anything else (ftp://, a bare host) would only fail at the first call. */
function httpUrl(): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url && (url.protocol === 'http:' || url.protocol === 'https:')) return;
    const why = url
      ? `a URL starting with http:// or https://, got ${JSON.stringify(redactUrl(value))} (${url.protocol} is not served)`
      : `a URL like https://api.example.com/v1, got ${JSON.stringify(redactUrl(value))}`;
    ctx.addIssue({ code: 'custom', message: `expected ${why}` });
  });
}

/** A provider's `proxy:`: `none`, or a proxy URL (http or https, with a host). */
function proxyUrl(): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const problem = value === 'none' ? undefined : proxyProblem(value);
    if (problem !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: `expected a proxy URL like http://proxy.example:3128 (or none to ignore HTTPS_PROXY), got ${JSON.stringify(redactUrl(value))}: ${problem}`,
      });
  });
}

function listenProblem(value: string): string | undefined {
  try {
    parseListen(value, 'gateway.listen');
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^gateway\.listen: /, '');
  }
}

/** A `headers:` name HTTP can send. */
function headerName(): z.ZodString {
  return z
    .string()
    .refine(isHeaderName, { message: "a header name is letters, digits and !#$%&'*+-.^_`|~ (no spaces, no colon)" });
}

/** A `headers:` value HTTP can send: refused here, not at every call, where it failed as "could not reach" and opened
 * the breaker. The value itself is never shown: it may be a key. */
function headerValue(): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const what = unsendableInHeader(value);
    if (what !== undefined)
      ctx.addIssue({
        code: 'custom',
        message: `the value contains ${what}, which an HTTP header cannot carry: every call would fail; write the value on one line, in plain characters`,
      });
  });
}

/** Names a config uses as object keys. `__proto__`, `constructor` and `prototype` would be taken for the object's
 * own machinery (a provider named `__proto__` vanished without a word), so they are refused by name. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_MESSAGE = 'is a reserved name (__proto__, constructor and prototype are); choose another';
function keyName(schema: z.ZodString = z.string()): z.ZodString {
  return schema.refine((k) => !RESERVED_NAMES.has(k), { message: RESERVED_MESSAGE });
}

/** A record whose reserved keys are reported: zod drops a `__proto__` key before any key check sees it. */
function namedRecord<V extends z.ZodType>(key: z.ZodString, value: V) {
  return z.preprocess(refuseProto, z.record(keyName(key), value));
}

/** zod drops a `__proto__` key before any key check sees it: said here, on the raw input. */
function refuseProto(input: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof input === 'object' && input !== null && Object.hasOwn(input, '__proto__')) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid name \`__proto__\`: ${RESERVED_MESSAGE}`,
      path: ['__proto__'],
      input,
    });
  }
  return input;
}

/** `budgets:`: named budgets, and one reserved key, `on_store_outage`, for what they do while Redis does not answer. */
function budgetsSection() {
  const name = keyName(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'budget names use letters, digits, ., - and _'));
  return z.preprocess(
    refuseProto,
    z
      .object({
        [STORE_OUTAGE_KEY]: z
          .enum(STORE_OUTAGE_POLICIES, { message: `expected one of ${STORE_OUTAGE_POLICIES.join(', ')}` })
          .optional(),
      })
      .catchall(budgetSchema)
      .superRefine((budgets, ctx) => {
        for (const key of Object.keys(budgets)) {
          const problem = key === STORE_OUTAGE_KEY ? undefined : name.safeParse(key).error?.issues[0]?.message;
          if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem });
        }
      }),
  );
}

export const routeSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
});
export type Route = z.infer<typeof routeSchema>;

/** USD per million tokens (docs/usage.md#prices): overrides the build-time price table for this model. Cache reads
 * and writes unset cost as input. */
export const priceSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cache_read: z.number().nonnegative().optional(),
  cache_write: z.number().nonnegative().optional(),
});
export type Price = z.infer<typeof priceSchema>;

export const modelMetaSchema = z.strictObject({
  context_window: z.number().int().positive().optional(),
  price: priceSchema.optional(),
});

/** An HTTP header name (a token: letters, digits and !#$%&'*+.^_`|~-). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP client and the adapters set themselves: a key sent in one of them would be lost or break every call. */
const NOT_AN_AUTH_HEADER: ReadonlySet<string> = new Set([
  'accept',
  'anthropic-version',
  'connection',
  'content-length',
  'content-type',
  'host',
  'transfer-encoding',
]);

/** How a provider's key is sent (src/providers/auth-header.ts): `authorization` with `Bearer`, the default of an
 * openai provider; `x-api-key` with no scheme, an anthropic provider's; `api-key` for Azure OpenAI; any other name. */
export const authSchema = z.strictObject({
  header: z
    .string()
    .superRefine((value, ctx) => {
      if (!HEADER_NAME.test(value))
        ctx.addIssue({
          code: 'custom',
          message: `expected a header name such as authorization, x-api-key or api-key, got ${JSON.stringify(value)}`,
        });
      else if (NOT_AN_AUTH_HEADER.has(value.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          message: `${value} is set by Switchyard itself and cannot carry the key; name the header the provider reads the key from`,
        });
    })
    .optional(),
  /** `Bearer` puts `Bearer ` before the key; `none` sends the key alone. Default: Bearer for authorization, else none. */
  scheme: z
    .preprocess(
      (v) => (typeof v === 'string' && v.toLowerCase() === 'bearer' ? 'Bearer' : v),
      z.enum(['Bearer', 'none'], { error: (issue) => `expected Bearer or none, got ${JSON.stringify(issue.input)}` }),
    )
    .optional(),
});
export type AuthConfig = z.infer<typeof authSchema>;

const envName = (): z.ZodString =>
  z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      'expected an environment variable name (letters, digits and _, not starting with a digit)',
    );

/** A command line: an argv list run as it is (no shell), or a string run by `sh -c`. */
const commandLine = z.union(
  [
    z.string().trim().min(1, 'expected a command'),
    z.array(z.string()).min(1, 'expected the command and its arguments, e.g. [gcloud, auth, print-access-token]'),
  ],
  {
    error: () =>
      'expected a command: a list such as [gcloud, auth, print-access-token] (run as it is), or a string run by sh -c',
  },
);

/** `api_key_command:` — the command alone, or `{ run, timeout, ttl, env }` (src/credentials/minted/command.ts). */
export const keyCommandSchema = z.preprocess(
  (v) => (typeof v === 'string' || Array.isArray(v) ? { run: v } : v),
  z.strictObject({
    run: commandLine,
    /** How long the command may take before it is stopped and the mint fails. */
    timeout: timeout().default(30_000),
    /** How long a bare token (no expiry given) is used before the command runs again; unset: until it is rejected. */
    ttl: durationSchema({ max: MAX_COOLDOWN_MS, positive: true }).optional(),
    /** Variables passed to the command besides the minimal environment (PATH, HOME, USER, LANG, …). */
    env: z.array(envName()).default([]),
  }),
);
export type KeyCommandConfig = z.infer<typeof keyCommandSchema>;

/** `oauth2:` — a token endpoint (src/credentials/minted/oauth2.ts). */
export const oauth2Schema = z
  .strictObject({
    token_url: httpUrl(),
    /** Default: refresh_token when a refresh token is given, else client_credentials. */
    grant: z.enum(['client_credentials', 'refresh_token']).optional(),
    client_id: z.string().min(1),
    client_secret: z.string().optional(),
    /** Space-separated, or a list. */
    scope: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v.join(' ') : v))
      .optional(),
    audience: z.string().optional(),
    /** The refresh_token grant's first refresh token, usually `${VAR}`; each rotated one is kept in the state store. */
    refresh_token: z.string().optional(),
    /** Or a file holding it. */
    refresh_token_file: z.string().min(1).optional(),
    /** How the client authenticates: `body` (client_id and client_secret as form fields) or `basic` (HTTP Basic). */
    client_auth: z.enum(['body', 'basic']).default('body'),
    timeout: timeout().default(30_000),
  })
  .superRefine((o, ctx) => {
    const hasRefresh = o.refresh_token !== undefined || o.refresh_token_file !== undefined;
    if (o.refresh_token !== undefined && o.refresh_token_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['refresh_token_file'],
        message: 'give either refresh_token or refresh_token_file, not both',
      });
    if (o.grant === 'refresh_token' && !hasRefresh)
      ctx.addIssue({
        code: 'custom',
        path: ['grant'],
        message:
          'the refresh_token grant needs the first refresh token: refresh_token: ${VAR} or refresh_token_file: PATH',
      });
    if (o.grant === 'client_credentials' && hasRefresh)
      ctx.addIssue({
        code: 'custom',
        path: ['grant'],
        message: 'a refresh token is given but grant is client_credentials, which does not use it; remove one',
      });
    if (
      (o.grant ?? (hasRefresh ? 'refresh_token' : 'client_credentials')) === 'client_credentials' &&
      o.client_secret === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_secret'],
        message: 'the client_credentials grant needs client_secret (usually ${VAR})',
      });
    }
  });
export type OAuth2Config = z.infer<typeof oauth2Schema>;

/** The sources of a provider's minted key (docs/minted.md): each is read, run or asked for a token when one is needed. */
const mintedShape = {
  /** A file holding the key (Docker and Kubernetes secrets), read at use and again when it changes. */
  api_key_file: z.string().trim().min(1, 'expected a file path').optional(),
  api_key_command: keyCommandSchema.optional(),
  oauth2: oauth2Schema.optional(),
  /** How long a request waits for the minted token before it moves on down its chain; the mint goes on. */
  mint_wait: delay().optional(),
};
/** A mint_wait unset: a few seconds, enough for a healthy helper, short of any client's patience. */
export const DEFAULT_MINT_WAIT_MS = 3_000;
const MINTED_FIELDS = ['api_key_file', 'api_key_command', 'oauth2', 'google_credentials', 'aws_credentials'] as const;

/** One minted source per provider: each is the key's identity (health is kept per source). */
function oneMintedSource(
  value: Partial<Record<(typeof MINTED_FIELDS)[number] | 'mint_wait', unknown>>,
  ctx: z.RefinementCtx,
): void {
  const given = MINTED_FIELDS.filter((f) => value[f] !== undefined);
  if (given.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: [given[1]!],
      message: `give one of ${MINTED_FIELDS.join(', ')}, not ${given.join(' and ')}`,
    });
  if (value.mint_wait !== undefined && given.length === 0)
    ctx.addIssue({
      code: 'custom',
      path: ['mint_wait'],
      message: `mint_wait is how long a request waits for a minted token, and there is none here: add one of ${MINTED_FIELDS.join(', ')}, or remove mint_wait`,
    });
}

export { PROVIDER_TYPES } from './providers/types.ts';
export type { ProviderType } from './providers/types.ts';

/** A provider's entry: what every type takes, then each type's own fields and checks (config/providers/<type>.ts; an
 * anthropic or gemini provider has none of its own). */
export const providerSchema = z
  .strictObject({
    type: z.enum(PROVIDER_TYPES),
    base_url: httpUrl(),
    api_key: z.string().optional(),
    api_keys: z.array(z.string()).optional(),
    key_env: z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_]*$/,
        'expected an environment variable name (letters, digits and _, not starting with a digit)',
      )
      .optional(),
    timeout: timeout().default(60_000),
    headers: z.record(headerName(), headerValue()).default({}),
    models: namedRecord(z.string(), modelMetaSchema).default({}),
    /** The proxy to reach this provider through, or `none` to ignore the environment's (src/providers/proxy.ts). */
    proxy: proxyUrl().optional(),
    ...openaiFields,
    /** This provider's prompt-cache affinity; unset: `credentials.affinity`. */
    affinity: affinityModeSchema.optional(),
    auth: authSchema.optional(),
    ...azureFields,
    ...vertexFields,
    ...bedrockFields,
    ...mintedShape,
  })
  .superRefine((p, ctx) => {
    vertexPlace(p, ctx);
    azureChecks(p, ctx);
    openaiChecks(p, ctx);
    oneMintedSource(p, ctx);
    authHeaderClash(p, ctx);
  });
export type ProviderConfig = z.infer<typeof providerSchema>;

/** A `headers:` entry naming the header `auth.header` sends the key in: it would replace the key. */
function authHeaderClash(
  p: { auth?: AuthConfig | undefined; headers: Record<string, string> },
  ctx: z.RefinementCtx,
): void {
  const header = p.auth?.header?.toLowerCase();
  if (header === undefined) return;
  const clash = Object.keys(p.headers).find((h) => h.toLowerCase() === header);
  if (clash !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['headers', clash],
      message: `${clash} is the header auth.header sends the key in; this value would replace the key — remove it, or send the key in another header`,
    });
}

const taskShape = {
  enabled: z.boolean().default(true),
  /** `auto` = the main chain, `none` = disabled, otherwise a provider name. */
  provider: z.string().min(1).default('auto'),
  model: z.string().default(''),
  base_url: httpUrl().optional(),
  api_key: z.string().optional(),
  timeout: timeout().default(60_000),
  fallback_chain: z.array(routeSchema).default([]),
  fallback_to_main: z.boolean().default(true),
  /** The task's own key minted like a provider's (docs/minted.md): tried first on the task's route. */
  ...mintedShape,
  /** How keys are sent to the task's own `base_url` (the provider's `auth:` applies otherwise). */
  auth: authSchema.optional(),
  /** The task's streams: each field given here overrides the top-level `streaming:` one (streaming.ts). */
  streaming: taskStreamingSchema.optional(),
};

/** A task's own key is one key: `api_key` or one minted source. */
function oneTaskKey(
  value: { api_key?: string | undefined; base_url?: string | undefined; auth?: AuthConfig | undefined } & Partial<
    Record<(typeof MINTED_FIELDS)[number], unknown>
  >,
  ctx: z.RefinementCtx,
): void {
  oneMintedSource(value, ctx);
  // The header belongs to the endpoint: without a base_url of its own the task calls the provider's, whose auth: holds.
  if (value.auth !== undefined && value.base_url === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['auth'],
      message:
        "auth on a task says how keys are sent to the task's own base_url, and it has none: its calls go to the provider's base_url, whose auth: applies; set base_url here, or move auth under the provider",
    });
  const minted = MINTED_FIELDS.find((f) => value[f] !== undefined);
  if (value.api_key !== undefined && minted !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: [minted],
      message: `give the task's own key as api_key or as ${minted}, not both: it is one key`,
    });
}

export const taskSchema = z.strictObject(taskShape).superRefine(oneTaskKey);
export const compressionTaskSchema = z
  .strictObject({
    ...taskShape,
    timeout: timeout().default(300_000),
    threshold: z.number().gt(0).lte(1).default(0.75),
    protect_first: z.number().int().min(0).default(3),
    protect_last: z.number().int().min(0).default(20),
  })
  .superRefine(oneTaskKey);
/** Titles are short and run in the background: a 30s default, whether or not the block is written out. */
export const titleTaskSchema = z
  .strictObject({ ...taskShape, timeout: timeout().default(30_000) })
  .superRefine(oneTaskKey);
export type TaskConfig = z.infer<typeof taskSchema>;
export type CompressionTaskConfig = z.infer<typeof compressionTaskSchema>;

export const auxiliarySchema = z
  .object({
    title_generation: titleTaskSchema.default(defaultsOf(titleTaskSchema)),
    compression: compressionTaskSchema.default(defaultsOf(compressionTaskSchema)),
  })
  .catchall(taskSchema);

export const retrySchema = z.strictObject({
  max_retries: z.number().int().min(0).default(2),
  auth_retries: z.number().int().min(0).default(2),
  base_delay: delay().default(250),
  max_delay: delay().default(4_000),
  max_wait: delay().default(2_000),
});

export const credentialsSchema = z.strictObject({
  strategy: z.enum(['fill_first', 'round_robin', 'least_used', 'random', 'most_headroom']).default('fill_first'),
  /** The default of every provider's `affinity`. */
  affinity: affinityModeSchema.default('prefix'),
  /** How long a conversation's key is remembered after its last turn: about as long as a provider keeps a prompt
   * cached (Anthropic's default is 5 minutes, refreshed by each read). */
  affinity_ttl: durationSchema({ max: MAX_COOLDOWN_MS, positive: true }).default(300_000),
  /** Most prefix hashes kept in memory (least recently used go first); each is ~200 bytes. */
  affinity_entries: z.number().int().min(1).max(10_000_000).default(10_000),
});
export type Strategy = z.infer<typeof credentialsSchema>['strategy'];

export const cooldownsSchema = z.strictObject({
  rate_limited: cooldown().default(60_000),
  quota: cooldown().default(3_600_000),
  auth_suspect: cooldown().default(300_000),
  rejected: cooldown().default(3_600_000),
});
export type Cooldowns = z.infer<typeof cooldownsSchema>;

/** More gateway workers than this is a typo, not a machine. */
export const MAX_WORKERS = 256;

export const gatewaySchema = z.strictObject({
  // Checked by the gateway's own parser, so `config check` refuses exactly what `switchyard gateway` would.
  listen: z
    .string()
    .superRefine((value, ctx) => {
      const problem = listenProblem(value);
      if (problem === undefined) return;
      // A host that is not an address (300.1.1.1) has its own message; any other problem is the shape.
      const shape = `expected HOST:PORT or [IPv6]:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:4141), got ${JSON.stringify(value)}`;
      ctx.addIssue({ code: 'custom', message: problem.startsWith('expected') ? shape : problem });
    })
    .default('127.0.0.1:4141'),
  /** `sqlite` (embedded), `redis://host:port/db`, `redis+cluster://host:port,…` or
   * `redis+sentinel://host:port,…/MASTER[/db]` (config/redis-url.ts). */
  state: z
    .string()
    .refine((value) => value === 'sqlite' || isRedisUrl(value), `expected sqlite, ${REDIS_FORMS}`)
    .superRefine((value, ctx) => {
      const problem = isRedisUrl(value) ? redisUrlProblem(value) : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('sqlite'),
  /** Prefix of every key the Redis store writes; default `switchyard:`, `{switchyard}:` on a Redis Cluster (whose
   * prefix must hold a hash tag: state/redis/client.ts). */
  state_prefix: z.string().regex(/^\S+$/, 'expected a key prefix without spaces, e.g. {switchyard}:').optional(),
  /** Key for /admin/*; usually `${SWITCHYARD_ADMIN_KEY}`. Without one the admin endpoints are off. */
  admin_key: z.string().optional(),
  /** Sign-in to the dashboard through an OpenID Connect provider, with roles (config/sso.ts). */
  sso: ssoSchema.optional(),
  /** Largest accepted request body in bytes. 32 MiB is Anthropic's own request limit: agents send screenshots
   * (base64, 1–5 MB each) and re-send them with the rest of the conversation every turn. */
  body_limit: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** When false, the gateway accepts requests without a client key (loopback development only). */
  require_keys: z.boolean().default(true),
  /** Most requests one client key may have in flight at once (more get 429 with Retry-After); unset, no limit. */
  max_in_flight_per_key: z.number().int().positive().optional(),
  /** How long SIGTERM waits for requests in flight; then each still running ends with an error (a stream with its
   * error event). */
  drain_timeout: delay().default(30_000),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Gateway processes sharing the port (node:cluster); `auto`: one per core. `--workers` overrides it. */
  workers: z
    .union([z.number().int().min(1).max(MAX_WORKERS), z.literal('auto')], {
      error: `expected a number of workers from 1 to ${MAX_WORKERS}, or auto (one per core)`,
    })
    .default(1),
  /** Client model names (or patterns: `claude-*`, `"*"` for any other) → a task or `provider/model`; the targets are
   * checked in cross-check.ts, the matching is src/gateway/request/model-aliases.ts. */
  aliases: namedRecord(
    z.string().min(1, 'an alias name cannot be empty'),
    z.string().min(1, 'expected a task name or provider/model'),
  ).default({}),
  /** What a Responses request's built-in tools (web_search, file_search, mcp, …), which only OpenAI runs, get:
   * `drop` leaves them out and says so in `x-switchyard-dropped-tools`; `refuse` answers 400. */
  hosted_tools: z.enum(['drop', 'refuse']).default('drop'),
  /** Export OpenTelemetry traces and GenAI metrics, configured by the standard OTEL_* variables
   * (docs/observability.md#traces); `--otel` turns it on too. */
  otel: z.boolean().default(false),
  /** Name each request's end user on its span as `enduser.id` (as the ledger keeps it: hashed where its key says);
   * off by default, since a span may leave for a tracing vendor (docs/observability.md#traces). */
  otel_end_user: z.boolean().default(false),
  /** The longest Retry-After a client is left to wait out by itself: a 503 saying to wait longer (every key cooling
   * for a minute or an hour) also says `x-should-retry: false`, so agents show it at once (docs/clients.md). */
  client_retry_max_wait: delay().default(10_000),
  /** The gateway's record of Responses conversations, so a `previous_response_id` turn is rebuilt on any route or
   * replica (docs/responses.md#a-conversations-state-across-a-fallback). */
  conversations: z
    .strictObject({
      /** How long an answered turn is kept after it was answered; 0 keeps none. */
      keep: durationSchema({ max: 7 * 24 * HOUR }, '30m, 1h or 24h').default(HOUR),
      /** The most bytes one turn's items (its new input and its output) may take to be kept. */
      max_bytes: z
        .number()
        .int()
        .positive()
        .default(8 * 1024 * 1024),
    })
    .default({ keep: HOUR, max_bytes: 8 * 1024 * 1024 }),
  /** The Responses API's WebSocket mode on GET /v1/responses (docs/responses.md#websocket-mode). */
  responses_websocket: z
    .strictObject({
      /** How long one connection may last before its turns get `websocket_connection_limit_reached` (OpenAI: 1h). */
      max_connection: durationSchema({ max: 7 * 24 * HOUR }, '30m, 1h or 24h').default(HOUR),
      /** Lanes (`stream_id`) one connection may have waiting or running at once. */
      max_streams: z.number().int().min(1).max(256).default(8),
    })
    .default({ max_connection: HOUR, max_streams: 8 }),
});

const DAY = 24 * HOUR;

/** How long the ledger keeps something: a duration or days (`30d`, which only retention takes), from an hour (rows are
 * rolled up by the hour) to ten years. */
function retention(): z.ZodType<number, string | number> {
  const schema = z.union([z.number(), z.string()]).transform((v, ctx) => {
    const days = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*d\s*$/.exec(v) : null;
    const ms = days ? Math.round(Number(days[1]) * DAY) : parseDuration(v);
    const problem =
      ms === undefined
        ? 'expected a duration like 30d, 720h or 90m'
        : ms < HOUR
          ? 'must be at least 1h (the rollups are hourly)'
          : ms > 3650 * DAY
            ? 'must be at most 3650d'
            : undefined;
    if (problem === undefined) return ms!;
    ctx.addIssue({ code: 'custom', message: `${problem}, got ${JSON.stringify(v)}` });
    return z.NEVER;
  });
  DURATION_SCHEMAS.add(schema);
  return schema;
}

/** The usage ledger (docs/usage.md): where rows go and how long they stay. */
export const usageSchema = z.strictObject({
  /** `sqlite` (embedded, beside the state), `postgres://user@host:port/db` (one ledger shared by several gateways) or
   * `off` (nothing recorded). */
  store: z
    .string()
    .regex(/^(sqlite|off|postgres(ql)?:\/\/.+)$/, 'expected sqlite, off or postgres://user@host:port/db')
    .default('sqlite'),
  retention: z
    .strictObject({
      /** One row per request. */
      requests: retention().default(30 * DAY),
      /** The hourly and daily rollups. */
      rollups: retention().default(365 * DAY),
    })
    .default({ requests: 30 * DAY, rollups: 365 * DAY }),
  /** How often queued rows go to local disk (the SQLite file, or a PostgreSQL ledger's spool): what a kill -9 can
   * lose at most. */
  flush_interval: durationSchema({ max: 10_000, positive: true }, '100ms or 1s').default(100),
  /** Most bytes a PostgreSQL ledger's spool (`usage-spool/` in the state directory) holds while the server is down
   * or slow; past it rows wait in memory. */
  spool_max_bytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
});
export type UsageConfig = z.infer<typeof usageSchema>;

/** Bounds on what an upstream may send (docs/config.md#limits): past one, the attempt fails and the chain falls back. */
export const limitsSchema = z.strictObject({
  /** Largest non-streamed answer in bytes: read no further, Content-Length first. 32 MiB is many times a real one. */
  max_answer_bytes: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** Largest single event of a stream in characters (one SSE event, its data lines together). */
  max_event_bytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
});
export type LimitsConfig = z.infer<typeof limitsSchema>;

/** An MCP server's name: the first part of its tools' namespaced names (`github__create_issue`), so no `__` in it. */
const mcpServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'MCP server names use letters, digits, - and _')
  .refine((n) => !n.includes('__'), {
    message: 'an MCP server name may not contain `__`: it separates the server from the tool (`github__create_issue`)',
  });

/** `login:` on a remote MCP server: its token comes from the MCP authorization flow, run once by
 * `switchyard auth login SERVER` and refreshed by the gateway (docs/mcp.md#signing-in-auth-login). `true` discovers
 * everything and registers a client itself; the fields are for a server that wants a client made beforehand. */
export const mcpLoginSchema = z.preprocess(
  (v) => (v === true ? {} : v),
  z.strictObject(
    {
      /** A client registered with the authorization server beforehand; unset: dynamic registration (RFC 7591). */
      client_id: z.string().min(1).optional(),
      client_secret: z.string().optional(),
      /** Asked for at sign-in; unset: what the server's 401 or its metadata names. Space-separated, or a list. */
      scope: z
        .union([z.string(), z.array(z.string())])
        .transform((v) => (Array.isArray(v) ? v.join(' ') : v))
        .optional(),
      /** How long one refresh at the token endpoint may take. */
      timeout: timeout().default(30_000),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type'
          ? 'expected login: true, or { client_id, client_secret, scope, timeout }'
          : undefined,
    },
  ),
);
export type McpLoginConfig = z.infer<typeof mcpLoginSchema>;

/** A remote MCP server (Streamable HTTP, or SSE for one that speaks only that) and its credentials
 * (docs/mcp.md#credentials): a bearer key or keys, or one minted source. */
const mcpRemoteSchema = z
  .strictObject({
    url: httpUrl(),
    /** `streamable_http` (the default) or `sse`, for a server that still speaks only the older transport. */
    transport: z.enum(['streamable_http', 'sse']).default('streamable_http'),
    api_key: z.string().optional(),
    api_keys: z.array(z.string()).optional(),
    ...mintedShape,
    login: mcpLoginSchema.optional(),
    /** How long one request to the server may take. */
    timeout: timeout().default(60_000),
    headers: z.record(headerName(), headerValue()).default({}),
    /** The secrets guard on this server's tool results (docs/guard.md); unset: the top-level `guard.secrets`. */
    guard: guardModeSchema.optional(),
  })
  .superRefine((value, ctx) => {
    oneMintedSource(value, ctx);
    const minted = MINTED_FIELDS.find((f) => (value as Record<string, unknown>)[f] !== undefined);
    if (value.login !== undefined && minted !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['login'],
        message: `give login or ${minted}, not both: each is where the server's token comes from`,
      });
  });

/** A local MCP server: a child process the gateway starts, speaking MCP on its stdin and stdout. */
const mcpStdioSchema = z.strictObject({
  command: z.array(z.string().min(1)).min(1, 'expected the command and its arguments, e.g. [npx, -y, some-mcp-server]'),
  /** Variables set for the child besides the minimal environment (PATH, HOME, …). */
  env: z.record(z.string(), z.string()).default({}),
  /** The child's working directory (relative: to the config's). */
  cwd: z.string().min(1).optional(),
  timeout: timeout().default(60_000),
  /** The secrets guard on this server's tool results (docs/guard.md); unset: the top-level `guard.secrets`. */
  guard: guardModeSchema.optional(),
});

type McpRemoteOut = z.output<typeof mcpRemoteSchema>;
type McpStdioOut = z.output<typeof mcpStdioSchema>;

/** A server with `command` is a local one, else a remote one: each is checked as its own kind, so an error is said at
 * its field rather than as "matches neither". */
const mcpServerSchema = z.unknown().transform((value, ctx): McpRemoteOut | McpStdioOut => {
  const local = typeof value === 'object' && value !== null && Object.hasOwn(value, 'command');
  const parsed = (local ? mcpStdioSchema : mcpRemoteSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({
      code: 'custom',
      message: issue.message,
      path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    });
  return z.NEVER;
});

/** `mcp:` — the MCP servers the gateway's /mcp aggregates (docs/mcp.md). */
export const mcpSchema = z.strictObject({
  servers: namedRecord(mcpServerName, mcpServerSchema).default({}),
  /** Log each tool call's arguments and result (scrubbed, bounded). Off: neither is logged, recorded or traced. */
  log_arguments: z.boolean().default(false),
});
export type McpConfig = z.infer<typeof mcpSchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type McpRemoteConfig = z.infer<typeof mcpRemoteSchema>;
export type McpStdioConfig = z.infer<typeof mcpStdioSchema>;

export const configSchema = z.strictObject({
  providers: namedRecord(
    z.string().regex(/^[A-Za-z0-9_-]+$/, 'provider names use letters, digits, - and _'),
    providerSchema,
  ).default({}),
  main: routeSchema.optional(),
  fallback: z.array(routeSchema).default([]),
  auxiliary: auxiliarySchema.default(defaultsOf(auxiliarySchema)),
  retry: retrySchema.default(defaultsOf(retrySchema)),
  credentials: credentialsSchema.default(defaultsOf(credentialsSchema)),
  cooldowns: cooldownsSchema.default(defaultsOf(cooldownsSchema)),
  gateway: gatewaySchema.default(defaultsOf(gatewaySchema)),
  usage: usageSchema.default(defaultsOf(usageSchema)),
  /** Timeouts, keepalive and resume of streamed answers (streaming.ts, docs/config.md#streaming). */
  streaming: streamingSchema.default(STREAMING_DEFAULTS),
  /** Bounds on upstream answers (limitsSchema). */
  limits: limitsSchema.default(defaultsOf(limitsSchema)),
  /** Named budgets and limits, and what they do while a shared store is down (budgets-schema.ts, docs/budgets.md). */
  budgets: budgetsSection().default({}),
  /** The MCP servers behind the gateway's /mcp (docs/mcp.md). */
  mcp: mcpSchema.default({ servers: {}, log_arguments: false }),
  /** The secrets guard on requests and MCP tool results (config/guard.ts, docs/guard.md). */
  guard: guardSchema.default({}),
});
export type Config = z.infer<typeof configSchema>;

/** The value a schema produces for an empty object: used so that omitted sections still get their defaults. */
function defaultsOf<S extends z.ZodType>(schema: S): z.output<S> {
  return schema.parse({});
}
