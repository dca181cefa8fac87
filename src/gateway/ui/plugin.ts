// `/ui`: the operator's dashboard behind the admin key or single sign-on (docs/observability.md#the-dashboard). The
// key's login form or the SSO callback (sso-routes.ts) sets an HttpOnly, SameSite=Strict cookie naming who and their
// role; actions need it, the page's CSRF token (or the admin key as a Bearer) and a role that may take them (roles.ts),
// and are recorded with who took them (action-audit.ts); every page carries a strict CSP. The front end is static files built from ui/ into dist-ui/; nothing is fetched at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import { secretsEqual } from '../keys/keys.ts';
import { recordAction, targetOf } from '../records/action-audit.ts';
import { ADMIN_KEY_IDENTITY, COOKIE, SESSION_MS, csrfToken, type Identity } from './session.ts';
import { COOKIE_PATH, access, checkCsrf, crossSite, sessionSecret, setSession } from './access.ts';
import { mayTake, type Action } from './roles.ts';
import { ssoRoutes } from './sso-routes.ts';
import { CSP, loginPage, shellPage } from './pages.ts';
import { LoginThrottle } from './login-throttle.ts';
import { keysView } from './keys-view.ts';
import { mcpView } from './mcp-view.ts';
import { budgetsView, perUserView, tasksView } from './tasks-view.ts';
import { LiveStreams } from './live.ts';
import { refreshKeys, resetKeys } from './actions.ts';
import { RecentTrails } from './recent.ts';
import { RouteRates } from './route-rates.ts';
import { dailyUsage, requestsPage, trailOf, type RequestFilters } from './ledger-views.ts';

/** Where the built front end is, from src/ (running the sources) and dist/ (the package) alike. */
export const UI_DIST = fileURLToPath(new URL('../../../dist-ui/', import.meta.url));

function securityHeaders(reply: FastifyReply): void {
  reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cross-origin-opener-policy', 'same-origin');
}

/** What the dashboard keeps while the gateway runs: recent trails (fed by the request log) and per-route rates. */
export interface UiState {
  recent: RecentTrails;
  /** The Keys view's live streams (live.ts): the dashboard's reader tells them each request's attempts. */
  live: LiveStreams;
  rates: RouteRates;
}

export function newUiState(): UiState {
  return { recent: new RecentTrails(), rates: new RouteRates(), live: new LiveStreams() };
}

/** Takes `action` as `by` if their role may (else 403), and records who did it and how it went. */
async function act<T>(
  ctx: GatewayContext,
  by: Identity,
  what: { action: Action; provider: string; id: string | undefined },
  run: () => T | Promise<T>,
  now: () => number,
): Promise<T> {
  mayTake(by, what.action);
  const done = { action: what.action, target: targetOf(what.provider, what.id) };
  try {
    const result = await run();
    await recordAction(ctx, by, { ...done, outcome: 'ok' }, now());
    return result;
  } catch (err) {
    await recordAction(ctx, by, { ...done, outcome: err instanceof Error ? err.message : String(err) }, now());
    throw err;
  }
}

function ssoOn(ctx: GatewayContext): boolean {
  return ctx.settings.loaded.config.gateway.sso !== undefined;
}

export function uiPlugin(ctx: GatewayContext, state: UiState, now: () => number = Date.now) {
  return async function ui(app: FastifyInstance): Promise<void> {
    await app.register(fastifyCookie);
    const built = existsSync(`${UI_DIST}app.js`);
    if (existsSync(UI_DIST))
      await app.register(fastifyStatic, { root: UI_DIST, prefix: '/ui/assets/', decorateReply: false, index: false });
    const live = state.live;
    const throttle = new LoginThrottle();
    app.addHook('preClose', async () => live.closeAll());
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(text)))),
    );
    app.addHook('onRequest', async (req, reply) => {
      securityHeaders(reply);
      if (!req.url.startsWith('/ui/assets/')) reply.header('cache-control', 'no-store');
      if (sessionSecret(ctx) === undefined)
        throw new ApiError(
          'not_found',
          'the dashboard is off: set gateway.admin_key (e.g. admin_key: ${SWITCHYARD_ADMIN_KEY}) or gateway.sso to enable it',
          { code: 'admin_disabled' },
        );
    });

    app.get('/ui', async (req, reply) => {
      const a = access(ctx, req, now());
      reply.type('text/html; charset=utf-8');
      if (a?.session === undefined) return loginPage(undefined, ssoOn(ctx));
      return shellPage(csrfToken(sessionSecret(ctx)!, a.session), built, a.identity);
    });
    ssoRoutes(app, ctx, now);

    app.post<{ Body: { key?: string } }>('/ui/login', async (req, reply) => {
      const adminKey = ctx.settings.adminKey;
      const sso = ssoOn(ctx);
      reply.type('text/html; charset=utf-8');
      if (crossSite(req)) return reply.code(403).send(loginPage('refused: the form was sent from another site', sso));
      const gate = throttle.gate(req.ip);
      if (!gate.ok) {
        const minutes = Math.ceil(gate.retryAfterMs / 60_000);
        return reply
          .code(429)
          .header('retry-after', String(Math.ceil(gate.retryAfterMs / 1000)))
          .send(loginPage(`too many wrong keys from this address: try again in ${minutes} min`, sso));
      }
      const key = typeof req.body?.key === 'string' ? req.body.key : '';
      if (adminKey === undefined || !secretsEqual(key, adminKey)) {
        throttle.failed(req.ip);
        return reply.code(401).send(loginPage('that is not the admin key', sso));
      }
      setSession(ctx, req, reply, ADMIN_KEY_IDENTITY, SESSION_MS, now());
      return reply.redirect('/ui', 303);
    });

    app.post('/ui/logout', async (req, reply) => {
      if (crossSite(req)) throw new ApiError('permission', 'refused: sent from another site', { code: 'cross_site' });
      reply.clearCookie(COOKIE, { path: COOKIE_PATH });
      return reply.redirect('/ui', 303);
    });

    // Everything under /ui/api needs a login; a POST also needs the page's CSRF token (or the Bearer admin key).
    app.register(async (api) => {
      // Who each request is, as the hook found them, for the actions' role check and audit.
      const who = new WeakMap<FastifyRequest, Identity>();
      api.addHook('onRequest', async (req) => {
        const a = access(ctx, req, now());
        if (a === undefined)
          throw new ApiError('authentication', 'sign in at /ui, or send the admin key as `Authorization: Bearer …`', {
            code: 'invalid_admin_key',
          });
        checkCsrf(ctx, req, a);
        who.set(req, a.identity);
      });
      api.get('/ui/api/keys', async () => ({
        now: new Date().toISOString(),
        providers: await keysView(ctx, Date.now()),
      }));
      api.get('/ui/api/mcp', async () => ({ now: new Date().toISOString(), servers: await mcpView(ctx, Date.now()) }));
      api.get('/ui/api/tasks', async () => ({
        tasks: tasksView(ctx),
        budgets: await budgetsView(ctx),
        per_user_budgets: perUserView(ctx),
      }));
      api.get<{ Querystring: RequestFilters }>('/ui/api/requests', async (req) => requestsPage(ctx, req.query));
      api.get<{ Params: { id: string } }>('/ui/api/requests/:id/trail', async (req) => ({
        trail: trailOf(state.recent, req.params.id),
      }));
      api.get<{ Querystring: { days?: string; user?: string } }>('/ui/api/usage', async (req) => {
        const days = Math.min(90, Math.max(1, Number(req.query.days ?? 14) || 14));
        const now = Date.now();
        // One end user's usage (docs/security.md#end-users-behind-a-shared-key), as sent or hashed.
        const user = req.query.user === undefined || req.query.user === '' ? undefined : req.query.user;
        return {
          daily: [
            await dailyUsage(ctx, 'client_key', days, now, user),
            await dailyUsage(ctx, 'user', days, now, user),
            await dailyUsage(ctx, 'task', days, now, user),
            await dailyUsage(ctx, 'route', days, now, user),
          ],
          rates: state.rates.series(),
        };
      });
      api.get('/ui/api/events', async (_req, reply) => live.serve(ctx.router.events, reply));
      api.post<{ Params: { provider: string }; Body: { id?: string } | null }>(
        '/ui/api/keys/:provider/reset',
        async (req) => {
          const what = { action: 'reset', provider: req.params.provider, id: req.body?.id } as const;
          return act(ctx, who.get(req)!, what, () => resetKeys(ctx, what.provider, what.id), now);
        },
      );
      api.post<{ Params: { provider: string }; Body: { id?: string } | null }>(
        '/ui/api/keys/:provider/refresh',
        async (req) => {
          const what = { action: 'refresh', provider: req.params.provider, id: req.body?.id } as const;
          return act(ctx, who.get(req)!, what, () => refreshKeys(ctx, what.provider, what.id), now);
        },
      );
    });
  };
}
