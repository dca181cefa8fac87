// The usage ledger through the admin API (docs/usage.md#admin-api): totals grouped by day, hour, client key, task,
// route or credential, and the request rows a page at a time (newest first, a keyset cursor: one index range scan
// a page, however deep), both with filters. Behind the admin key.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { adminAuthHook } from './admin-auth.ts';
import { parseSince } from '../../usage/since.ts';
import { GROUPS, type Group } from '../../usage/row.ts';
import { summed } from '../../usage/report.ts';
import { withHitRatio } from '../../usage/cache-ratio.ts';
import type { UsageLedger } from '../../usage/ledger.ts';
import { UserError } from '../../user-error.ts';

type Query = Record<string, string | undefined>;

const MAX_PAGE = 500;

function ledgerOf(ctx: GatewayContext): UsageLedger {
  if (ctx.usage === undefined)
    throw new ApiError('not_found', 'this gateway keeps no usage ledger (usage.store: off)', { code: 'usage_off' });
  return ctx.usage;
}

function since(q: Query, fallback: string): number {
  try {
    return parseSince(q['since'] ?? fallback, Date.now(), 'since');
  } catch (err) {
    throw new ApiError('invalid_request', UserError.isInstance(err) ? err.message : String(err), { param: 'since' });
  }
}

function filters<K extends string>(q: Query, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const n of names) {
    const v = q[n];
    if (v !== undefined && v !== '') out[n] = v;
  }
  return out;
}

export function adminUsagePlugin(ctx: GatewayContext) {
  return async function adminUsage(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', adminAuthHook(ctx, { optional: false }));

    app.get('/admin/usage', async (req: FastifyRequest) => {
      const q = req.query as Query;
      const by = (q['by'] ?? 'day') as Group;
      if (!GROUPS.includes(by))
        throw new ApiError(
          'invalid_request',
          `by: expected one of ${GROUPS.join(', ')}, got ${JSON.stringify(q['by'])}`,
          {
            param: 'by',
          },
        );
      const from = since(q, '7d');
      const groups = await ledgerOf(ctx).totals({
        by,
        since: from,
        ...filters(q, ['client_key', 'user', 'task', 'route', 'credential'] as const),
      });
      return {
        by,
        since: new Date(from).toISOString(),
        store: ctx.usage?.kind,
        cost: 'estimated',
        groups: groups.map(withHitRatio),
        total: withHitRatio(summed(groups)),
      };
    });

    app.get('/admin/usage/requests', async (req: FastifyRequest) => {
      const q = req.query as Query;
      const limit = q['limit'] === undefined ? 50 : Number(q['limit']);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
        throw new ApiError('invalid_request', `limit: expected a whole number from 1 to ${MAX_PAGE}`, {
          param: 'limit',
        });
      const page = await ledgerOf(ctx).requests({
        limit,
        ...(q['since'] !== undefined ? { since: since(q, '1d') } : {}),
        ...(q['before'] !== undefined ? { before: q['before'] } : {}),
        ...filters(q, ['client_key', 'user', 'task', 'route', 'status'] as const),
      });
      return { requests: page.rows, ...(page.next !== undefined ? { next: page.next } : {}) };
    });
  };
}
