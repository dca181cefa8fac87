// The `budgets:` section (docs/budgets.md): named budgets, each over one scope (a client key, a task, a provider, a
// route, one upstream credential, an MCP server or tool, or everything), with limits per window on requests, tokens,
// USD or MCP tool calls.
import { z } from 'zod';

export const BUDGET_WINDOWS = ['minute', 'hour', 'day', 'week', 'month'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

export const BUDGET_RESOURCES = ['requests', 'tokens', 'usd', 'calls'] as const;
export type BudgetResource = (typeof BUDGET_RESOURCES)[number];

/** The fields that say what a budget covers; exactly one of them (with `provider` qualifying `model`/`credential`). */
export const BUDGET_SCOPE_FIELDS = ['client_key', 'task', 'provider', 'credential', 'mcp_server', 'all'] as const;

function windowLimits(amount: z.ZodNumber) {
  return z
    .strictObject({
      minute: amount.optional(),
      hour: amount.optional(),
      day: amount.optional(),
      week: amount.optional(),
      month: amount.optional(),
    })
    .optional();
}

const count = z.number().int('expected a whole number').positive('must be more than 0');

export const budgetSchema = z
  .strictObject({
    /** A client key of the gateway, by the name `gateway keys create NAME` gave it. */
    client_key: z.string().min(1).optional(),
    /** With `client_key`: only this end user of the key (docs/budgets.md#end-users). */
    user: z.string().min(1).optional(),
    /** With `client_key`: each end user of the key gets the limits, counted apart. */
    per_user: z.literal(true, { message: 'expected true (each user of the key gets the limits)' }).optional(),
    /** `main` or a task under `auxiliary:`. */
    task: z.string().min(1).optional(),
    /** A provider; with `model`, one route of it; with `credential`, one of its keys. */
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    /** One key of `provider`, by its ID as `switchyard auth list` shows it (a unique prefix will do). */
    credential: z
      .string()
      .regex(/^[0-9a-f]{4,64}$/i, 'expected the key ID `switchyard auth list` shows (hex, at least 4 characters)')
      .optional(),
    /** An MCP server of `mcp.servers`; with `tool`, one of its tools (its own name, not namespaced). */
    mcp_server: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    /** Every request through this switchyard. */
    all: z.literal(true, { message: 'expected true (a budget over everything)' }).optional(),
    requests: windowLimits(count),
    tokens: windowLimits(count),
    usd: windowLimits(z.number().positive('must be more than 0')),
    /** MCP tool calls through /mcp (docs/budgets.md#tool-calls). */
    calls: windowLimits(count),
    /** Over it, requests are still served, with a warning (log, metric, response header). */
    soft: z.boolean().default(false),
    /** Output tokens held for a request that sets no max_tokens, until its real usage is known. */
    reserve_tokens: count.default(4096),
  })
  .superRefine(oneScope)
  .superRefine(userFitsScope)
  .superRefine(callsFitScope)
  .superRefine(someLimit);

export type BudgetConfig = z.infer<typeof budgetSchema>;

type Raw = Partial<Record<(typeof BUDGET_SCOPE_FIELDS)[number] | 'model' | 'tool', unknown>>;

/** Exactly one scope: `provider` alone, or qualified by `model` or `credential` (not both); `mcp_server`, alone or
 * qualified by `tool`. */
function oneScope(b: Raw, ctx: z.RefinementCtx): void {
  const given = (['client_key', 'task', 'mcp_server', 'all'] as const).filter((f) => b[f] !== undefined);
  const onProvider = b.provider !== undefined || b.model !== undefined || b.credential !== undefined;
  const scopes = [...given, ...(onProvider ? ['provider'] : [])];
  if (scopes.length === 0)
    ctx.addIssue({
      code: 'custom',
      message:
        'say what the budget covers: client_key: NAME, task: NAME, provider: NAME (with model: M for one route, or credential: ID for one key), mcp_server: NAME (with tool: T for one tool), or all: true',
    });
  else if (scopes.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: [given[1] ?? given[0] ?? 'provider'],
      message: `a budget covers one thing; this one names ${scopes.join(' and ')} — split it into one budget each`,
    });
  if (b.provider === undefined && (b.model !== undefined || b.credential !== undefined))
    ctx.addIssue({
      code: 'custom',
      path: [b.model !== undefined ? 'model' : 'credential'],
      message: `${b.model !== undefined ? 'model' : 'credential'} needs the provider it belongs to: add provider: NAME`,
    });
  if (b.tool !== undefined && b.mcp_server === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['tool'],
      message:
        'tool needs the MCP server it belongs to: add mcp_server: NAME (tool is its own name, e.g. create_issue)',
    });
  if (b.model !== undefined && b.credential !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['credential'],
      message: 'a budget covers one route (provider + model) or one key (provider + credential), not both',
    });
}

/** `user:` and `per_user:` narrow a client key's budget to its end users: they need the key, and say one user or each. */
function userFitsScope(b: Raw & { user?: unknown; per_user?: unknown }, ctx: z.RefinementCtx): void {
  const field = b.user !== undefined ? 'user' : b.per_user !== undefined ? 'per_user' : undefined;
  if (field === undefined) return;
  if (b.client_key === undefined)
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `${field} narrows a client key's budget to its end users: add client_key: NAME (the key they call through)`,
    });
  if (b.user !== undefined && b.per_user !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['per_user'],
      message: 'a budget covers one user (user: U) or each user of the key (per_user: true), not both',
    });
}

/** `calls` counts MCP tool calls, which have a client key and a server but no task or provider; an MCP server's budget
 * counts nothing else. Said rather than left to count nothing. */
function callsFitScope(b: Raw & Partial<Record<BudgetResource, unknown>>, ctx: z.RefinementCtx): void {
  if (ctx.issues.length > 0) return;
  const onModels = b.task !== undefined || b.provider !== undefined;
  if (b.calls !== undefined && onModels)
    ctx.addIssue({
      code: 'custom',
      path: ['calls'],
      message: `calls counts MCP tool calls: a budget of calls covers client_key, mcp_server (and tool) or all, not ${b.task !== undefined ? 'a task' : 'a provider'}`,
    });
  if (b.mcp_server !== undefined)
    for (const r of ['requests', 'tokens', 'usd'] as const)
      if (b[r] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [r],
          message: `an MCP server's budget counts tool calls: use calls: { hour: N } (${r} counts model requests)`,
        });
}

function someLimit(b: Partial<Record<BudgetResource, unknown>>, ctx: z.RefinementCtx): void {
  // A limit written wrongly (`tokens: { dya: 5 }`) is said where it is; "give it a limit" would only confuse.
  if (ctx.issues.length > 0) return;
  const limits = BUDGET_RESOURCES.filter((r) => {
    const windows = b[r];
    return windows !== undefined && windows !== null && Object.keys(windows).length > 0;
  });
  if (limits.length === 0)
    ctx.addIssue({
      code: 'custom',
      message:
        'give the budget a limit: requests, tokens, usd or calls (MCP tool calls), each per minute, hour, day, week or month (e.g. usd: { month: 20 })',
    });
}

/** What budgets do while the shared budget store (Redis) does not answer (docs/budgets.md#when-the-store-is-down). */
export const STORE_OUTAGE_POLICIES = ['share', 'local', 'refuse'] as const;
export type StoreOutagePolicy = (typeof STORE_OUTAGE_POLICIES)[number];
export const DEFAULT_STORE_OUTAGE_POLICY: StoreOutagePolicy = 'share';
/** The key under `budgets:` that holds the policy rather than a budget. */
export const STORE_OUTAGE_KEY = 'on_store_outage';
