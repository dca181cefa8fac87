// The configuration contract (SPEC §1). Every section is parsed and typed here, including the ones only later
// parts of the product act on. Durations are normalised to milliseconds.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { redisUrlProblem } from '../state/redis/url.ts';

export const duration = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like 250ms, 30s, 5m or 1h, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

export const routeSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
});
export type Route = z.infer<typeof routeSchema>;

export const modelMetaSchema = z.strictObject({
  context_window: z.number().int().positive().optional(),
});

export const providerSchema = z.strictObject({
  type: z.enum(['openai', 'anthropic']),
  base_url: z.string().url(),
  api_key: z.string().optional(),
  api_keys: z.array(z.string()).optional(),
  key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits and _, not starting with a digit)').optional(),
  timeout: duration.default(60_000),
  headers: z.record(z.string(), z.string()).default({}),
  models: z.record(z.string(), modelMetaSchema).default({}),
});
export type ProviderConfig = z.infer<typeof providerSchema>;

const taskShape = {
  enabled: z.boolean().default(true),
  /** `auto` = the main chain, `none` = disabled, otherwise a provider name. */
  provider: z.string().min(1).default('auto'),
  model: z.string().default(''),
  base_url: z.string().url().optional(),
  api_key: z.string().optional(),
  timeout: duration.default(60_000),
  fallback_chain: z.array(routeSchema).default([]),
  fallback_to_main: z.boolean().default(true),
};
export const taskSchema = z.strictObject(taskShape);
export const compressionTaskSchema = z.strictObject({
  ...taskShape,
  timeout: duration.default(300_000),
  threshold: z.number().gt(0).lte(1).default(0.75),
  protect_first: z.number().int().min(0).default(3),
  protect_last: z.number().int().min(0).default(20),
});
/** Titles are short and run in the background: a 30s default, whether or not the block is written out. */
export const titleTaskSchema = z.strictObject({ ...taskShape, timeout: duration.default(30_000) });
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
  base_delay: duration.default(250),
  max_delay: duration.default(4_000),
  max_wait: duration.default(2_000),
});

export const credentialsSchema = z.strictObject({
  strategy: z.enum(['fill_first', 'round_robin', 'least_used', 'random']).default('fill_first'),
});
export type Strategy = z.infer<typeof credentialsSchema>['strategy'];

export const cooldownsSchema = z.strictObject({
  rate_limited: duration.default(60_000),
  quota: duration.default(3_600_000),
  auth_suspect: duration.default(300_000),
  rejected: duration.default(3_600_000),
});
export type Cooldowns = z.infer<typeof cooldownsSchema>;

export const gatewaySchema = z.strictObject({
  listen: z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected HOST:PORT').default('127.0.0.1:4141'),
  /** `sqlite` (embedded) or `redis://host:port/db`. */
  state: z
    .string()
    .regex(/^(sqlite|rediss?:\/\/.+)$/, 'expected sqlite or redis://host:port/db')
    .superRefine((value, ctx) => {
      const problem = /^rediss?:\/\//.test(value) ? redisUrlProblem(value) : undefined;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default('sqlite'),
  /** Key for /admin/*; usually `${SWITCHYARD_ADMIN_KEY}`. Without one the admin endpoints are off. */
  admin_key: z.string().optional(),
  /** Largest accepted request body in bytes. 32 MiB is Anthropic's own request limit: agents send screenshots
   * (base64, 1–5 MB each) and re-send them with the rest of the conversation every turn. */
  body_limit: z.number().int().positive().default(32 * 1024 * 1024),
  /** When false, the gateway accepts requests without a client key (loopback development only). */
  require_keys: z.boolean().default(true),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const configSchema = z.strictObject({
  providers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'provider names use letters, digits, - and _'), providerSchema).default({}),
  main: routeSchema.optional(),
  fallback: z.array(routeSchema).default([]),
  auxiliary: auxiliarySchema.default(defaultsOf(auxiliarySchema)),
  retry: retrySchema.default(defaultsOf(retrySchema)),
  credentials: credentialsSchema.default(defaultsOf(credentialsSchema)),
  cooldowns: cooldownsSchema.default(defaultsOf(cooldownsSchema)),
  gateway: gatewaySchema.default(defaultsOf(gatewaySchema)),
});
export type Config = z.infer<typeof configSchema>;
export type RetryConfig = Config['retry'];
export type GatewayConfig = Config['gateway'];

/** The value a schema produces for an empty object: used so that omitted sections still get their defaults. */
function defaultsOf<S extends z.ZodType>(schema: S): z.output<S> {
  return schema.parse({});
}
