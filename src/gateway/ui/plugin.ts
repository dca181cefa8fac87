// `/ui`: the operator's dashboard behind the admin key (docs/observability.md#the-dashboard). A login form sets an
// HttpOnly, SameSite=Strict cookie; actions need it and the page's CSRF token (or the admin key as a Bearer); every
// page carries a strict CSP. The front end is static files built from ui/ into dist-ui/; nothing is fetched at run time.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { ApiError } from '../api-error.ts';
import type { GatewayContext } from '../context.ts';
import { presentedKey, secretsEqual } from '../keys.ts';
import { COOKIE, SESSION_MS, csrfToken, newSession, validCsrf, validSession } from './session.ts';
import { CSP, loginPage, shellPage } from './pages.ts';
import { LoginThrottle } from './login-throttle.ts';
import { keysView } from './keys-view.ts';
import { mcpView } from './mcp-view.ts';
import { budgetsView, tasksView } from './tasks-view.ts';
import { LiveStreams } from './live.ts';
import { refreshMinted, resetKeys } from './actions.ts';
import { RecentTrails } from './recent.ts';
import { RouteRates } from './route-rates.ts';
import { dailyUsage, requestsPage, trailOf, type RequestFilters } from './ledger-views.ts';

/** Where the built front end is, from src/ (running the sources) and dist/ (the package) alike. */
export const UI_DIST = fileURLToPath(new URL('../../../dist-ui/', import.meta.url));

interface Access {
  /** The request came with the admin key itself (scripts, tests): no cookie, so no CSRF risk. */
  bearer: boolean;
  session?: string;
}

function access(ctx: GatewayContext, req: FastifyRequest): Access | undefined {
  const adminKey = ctx.settings.adminKey;
  if (!adminKey) return undefined;
  const presented = presentedKey(req.headers);
  if (presented !== undefined) return secretsEqual(presented, adminKey) ? { bearer: true } : undefined;
  const session = req.cookies[COOKIE];
  return session !== undefined && validSession(adminKey, session, Date.now()) ? { bearer: false, session } : undefined;
}

/** A form post or action from another site: its Origin, when the browser sends one, is not this gateway's (our pages
 * send `Referrer-Policy: same-origin`, so ours come with their origin; `null` is an opaque, foreign one). */
function crossSite(req: FastifyRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const host = req.headers.host;
  return origin !== `http://${host}` && origin !== `https://${host}`;
}

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

export function uiPlugin(ctx: GatewayContext, state: UiState) {
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
      if (!ctx.settings.adminKey)
        throw new ApiError(
          'not_found',
          'the dashboard is off: set gateway.admin_key (e.g. admin_key: ${SWITCHYARD_ADMIN_KEY}) to enable it',
          { code: 'admin_disabled' },
        );
    });

    app.get('/ui', async (req, reply) => {
      const a = access(ctx, req);
      reply.type('text/html; charset=utf-8');
      if (a?.session === undefined) return loginPage(undefined);
      return shellPage(csrfToken(ctx.settings.adminKey!, a.session), built);
    });

    app.post<{ Body: { key?: string } }>('/ui/login', async (req, reply) => {
      const adminKey = ctx.settings.adminKey!;
      reply.type('text/html; charset=utf-8');
      if (crossSite(req)) return reply.code(403).send(loginPage('refused: the form was sent from another site'));
      const gate = throttle.gate(req.ip);
      if (!gate.ok) {
        const minutes = Math.ceil(gate.retryAfterMs / 60_000);
        return reply
          .code(429)
          .header('retry-after', String(Math.ceil(gate.retryAfterMs / 1000)))
          .send(loginPage(`too many wrong keys from this address: try again in ${minutes} min`));
      }
      const key = typeof req.body?.key === 'string' ? req.body.key : '';
      if (!secretsEqual(key, adminKey)) {
        throttle.failed(req.ip);
        return reply.code(401).send(loginPage('that is not the admin key'));
      }
      reply.setCookie(COOKIE, newSession(adminKey, Date.now()), {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.protocol === 'https',
        path: '/ui',
        maxAge: SESSION_MS / 1000,
      });
      return reply.redirect('/ui', 303);
    });

    app.post('/ui/logout', async (req, reply) => {
      if (crossSite(req)) throw new ApiError('permission', 'refused: sent from another site', { code: 'cross_site' });
      reply.clearCookie(COOKIE, { path: '/ui' });
      return reply.redirect('/ui', 303);
    });

    // Everything under /ui/api needs a login; a POST also needs the page's CSRF token (or the Bearer admin key).
    app.register(async (api) => {
      api.addHook('onRequest', async (req) => {
        const a = access(ctx, req);
        if (a === undefined)
          throw new ApiError('authentication', 'sign in at /ui, or send the admin key as `Authorization: Bearer …`', {
            code: 'invalid_admin_key',
          });
        if (req.method !== 'GET' && !a.bearer) {
          const token = req.headers['x-csrf-token'];
          if (
            crossSite(req) ||
            !validCsrf(ctx.settings.adminKey!, a.session!, typeof token === 'string' ? token : undefined)
          )
            throw new ApiError('permission', 'refused: missing or wrong CSRF token', { code: 'csrf' });
        }
      });
      api.get('/ui/api/keys', async () => ({
        now: new Date().toISOString(),
        providers: await keysView(ctx, Date.now()),
      }));
      api.get('/ui/api/mcp', async () => ({ now: new Date().toISOString(), servers: await mcpView(ctx, Date.now()) }));
      api.get('/ui/api/tasks', async () => ({ tasks: tasksView(ctx), budgets: await budgetsView(ctx) }));
      api.get<{ Querystring: RequestFilters }>('/ui/api/requests', async (req) => requestsPage(ctx, req.query));
      api.get<{ Params: { id: string } }>('/ui/api/requests/:id/trail', async (req) => ({
        trail: trailOf(state.recent, req.params.id),
      }));
      api.get<{ Querystring: { days?: string } }>('/ui/api/usage', async (req) => {
        const days = Math.min(90, Math.max(1, Number(req.query.days ?? 14) || 14));
        const now = Date.now();
        return {
          daily: [
            await dailyUsage(ctx, 'client_key', days, now),
            await dailyUsage(ctx, 'task', days, now),
            await dailyUsage(ctx, 'route', days, now),
          ],
          rates: state.rates.series(),
        };
      });
      api.get('/ui/api/events', async (_req, reply) => live.serve(ctx.router.events, reply));
      api.post<{ Params: { provider: string }; Body: { id?: string } | null }>(
        '/ui/api/keys/:provider/reset',
        async (req) => resetKeys(ctx, req.params.provider, req.body?.id),
      );
      api.post<{ Params: { provider: string }; Body: { id?: string } | null }>(
        '/ui/api/keys/:provider/refresh',
        async (req) => ({ results: await refreshMinted(ctx, req.params.provider, req.body?.id) }),
      );
    });
  };
}
