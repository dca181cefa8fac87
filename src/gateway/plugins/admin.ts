// The admin API: the config in force, credentials with their health (masked) and resets
// (docs/gateway.md#admin-api).
import type { FastifyInstance } from 'fastify';
import { effectiveHealth } from '../../credentials/health.ts';
import type { ResetOutcome } from '../../credentials/pool.ts';
import type { CandidateStatus } from '../../credentials/types.ts';
import { UserError } from '../../user-error.ts';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { adminAuthHook, adminIdentity } from './admin-auth.ts';
import { gatewayStatus } from './health.ts';
import { budgetsView } from '../records/budgets-view.ts';
import { recordAction, targetOf } from '../records/action-audit.ts';
import { mayTake } from '../ui/roles.ts';

function iso(ms: number | undefined): string | null {
  return ms === undefined || ms === null ? null : new Date(ms).toISOString();
}

/** A candidate without secrets, as `auth explain` shows it; health as of `now`, so an expired cooldown reads `ok`. */
export function candidateView(c: CandidateStatus, now: number) {
  const e = effectiveHealth(c.health, now);
  return {
    id: c.credential.fingerprint,
    masked: c.credential.masked,
    sources: c.credential.sources,
    ...(c.credential.label !== undefined ? { label: c.credential.label } : {}),
    state: e.state,
    reason: e.reason ?? null,
    // A cooling that is its region's (a throttle or quota of a Bedrock or Vertex AI region), not the credential's own.
    region: c.region ?? null,
    until: iso(e.until),
    cooldown_over: e.ended ? { reason: e.ended.reason, until: iso(e.ended.until) } : null,
    usable: c.usable,
    why: c.why ?? null,
    last_success_at: iso(c.health.last_success_at),
    last_failure_at: iso(c.health.last_failure_at),
    last_failure_kind: c.health.last_failure_kind ?? null,
    successes: c.health.successes,
    failures: c.health.failures,
  };
}

const resetSchema = {
  params: { type: 'object', properties: { provider: { type: 'string' } }, required: ['provider'] },
  body: { type: ['object', 'null'], properties: { id: { type: 'string', minLength: 1 } }, additionalProperties: false },
} as const;

export function adminPlugin(ctx: GatewayContext) {
  return async function admin(app: FastifyInstance): Promise<void> {
    app.addHook('onRequest', adminAuthHook(ctx, { optional: false }));
    // An empty POST (no body, or Content-Type without one) means "reset all".
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
      const s = String(text).trim();
      if (s === '') return done(null, null);
      try {
        done(null, JSON.parse(s));
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    app.get('/admin/status', async () => gatewayStatus(ctx));
    app.get('/admin/budgets', async () => budgetsView(ctx));

    app.get('/admin/credentials', async () => {
      const providers: Record<string, ReturnType<typeof candidateView>[]> = {};
      const now = Date.now();
      for (const provider of Object.keys(ctx.settings.loaded.config.providers)) {
        providers[provider] = ctx.router.pool.candidates(provider).map((c) => candidateView(c, now));
      }
      return { providers };
    });

    app.post<{ Params: { provider: string }; Body: { id?: string } | null }>(
      '/admin/credentials/:provider/reset',
      { schema: resetSchema },
      async (req) => {
        const { provider } = req.params;
        const by = adminIdentity(req);
        mayTake(by, 'reset');
        if (!Object.hasOwn(ctx.settings.loaded.config.providers, provider)) {
          throw new ApiError(
            'not_found',
            `unknown provider ${JSON.stringify(provider)}; configured: ${Object.keys(ctx.settings.loaded.config.providers).join(', ') || 'none'}`,
            { code: 'unknown_provider' },
          );
        }
        const id = req.body?.id;
        let outcome: ResetOutcome;
        try {
          // The same reset as `switchyard auth reset`: what `auth list` shows for the provider, by fingerprint.
          outcome = ctx.router.pool.reset(provider, id);
          // The operator says the provider is usable again: a breaker left open by earlier outages would still refuse it.
          ctx.router.breakers.reset(provider);
        } catch (err) {
          // The pool says which id it could not match (unknown or ambiguous prefix): a 404 for this request.
          if (UserError.isInstance(err)) throw new ApiError('not_found', err.message, { code: 'unknown_credential' });
          throw err;
        }
        ctx.logger.info(
          {
            provider,
            credential: id ?? 'all',
            reset: outcome.reset,
            already_ok: outcome.already_ok,
            still_set_aside: outcome.still_set_aside,
          },
          'credentials reset through the admin API',
        );
        const now = Date.now();
        await recordAction(ctx, by, { action: 'reset', target: targetOf(provider, id), outcome: 'ok' }, now);
        return {
          ...outcome,
          provider,
          credentials: ctx.router.pool.candidates(provider).map((c) => candidateView(c, now)),
        };
      },
    );
  };
}
