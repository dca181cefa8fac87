// The dashboard's SSO doors (docs/observability.md#single-sign-on): `GET /ui/sso/login` sends the browser to the
// provider with a short-lived signed cookie holding the flow's PKCE verifier, state and nonce; `GET /ui/sso/callback`
// finishes it (sso.ts) and signs the user in with the same session cookie the admin key's form sets (access.ts).
// sso.ts, and openid-client with it, is loaded at the first sign-in: a gateway without SSO never pays for it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import type { SsoConfig } from '../../config/sso.ts';
import { sessionSecret, setSession } from './access.ts';
import { loginPage, signedInPage } from './pages.ts';
import { signed, unsigned } from './session.ts';
import type { SsoClient } from './sso.ts';

type SsoModule = typeof import('./sso.ts');

/** The SSO code and its one client (the provider's configuration, found once), loaded at first use. */
interface Loaded {
  m: SsoModule;
  client: SsoClient;
}

const FLOW_COOKIE = 'switchyard_sso';
const FLOW_PATH = '/ui/sso';

function ssoOf(ctx: GatewayContext): SsoConfig {
  const sso = ctx.settings.loaded.config.gateway.sso;
  if (sso === undefined)
    throw new ApiError('not_found', 'single sign-on is off: set gateway.sso (docs/observability.md)', {
      code: 'sso_disabled',
    });
  return sso;
}

function discoveryFailed(sso: SsoConfig, err: unknown): string {
  return `the sign-in provider ${sso.issuer} cannot be reached: ${err instanceof Error ? err.message : String(err)}`;
}

export function ssoRoutes(app: FastifyInstance, ctx: GatewayContext, now: () => number): void {
  let loading: Promise<Loaded> | undefined;
  const load = (): Promise<Loaded> => (loading ??= import('./sso.ts').then((m) => ({ m, client: new m.SsoClient() })));

  app.get('/ui/sso/login', async (req, reply) => {
    const sso = ssoOf(ctx);
    reply.type('text/html; charset=utf-8');
    const { m, client } = await load();
    const config = await client.configuration(sso).catch((err: unknown) => {
      ctx.logger.warn(discoveryFailed(sso, err));
      return undefined;
    });
    if (config === undefined) return reply.code(502).send(loginPage('the sign-in provider cannot be reached', true));
    const { url, flow } = await m.startSignIn(sso, config, now());
    // Lax, not Strict: the provider's redirect back is a navigation from its site.
    reply.setCookie(FLOW_COOKIE, signed(sessionSecret(ctx)!, m.flowText(flow)), {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.protocol === 'https',
      path: FLOW_PATH,
      maxAge: m.FLOW_MS / 1000,
    });
    return reply.redirect(url.href, 303);
  });

  app.get('/ui/sso/callback', async (req, reply) => callback(ctx, await load(), req, reply, now()));
}

async function callback(
  ctx: GatewayContext,
  { m, client }: Loaded,
  req: FastifyRequest,
  reply: FastifyReply,
  now: number,
): Promise<unknown> {
  const sso = ssoOf(ctx);
  reply.type('text/html; charset=utf-8');
  reply.clearCookie(FLOW_COOKIE, { path: FLOW_PATH });
  const flow = m.flowFrom(unsigned(sessionSecret(ctx)!, req.cookies[FLOW_COOKIE]), now);
  if (flow === undefined)
    return reply.code(400).send(loginPage('the sign-in expired or was not started here: sign in again', true));
  const config = await client.configuration(sso).catch(() => undefined);
  if (config === undefined) return reply.code(502).send(loginPage('the sign-in provider cannot be reached', true));
  const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const result = await m.finishSignIn(sso, config, query, flow);
  if (!result.ok) {
    ctx.logger.warn(`dashboard sign-in refused: ${result.message}`);
    return reply.code(result.status).send(loginPage(result.message, true));
  }
  setSession(ctx, req, reply, result.identity, sso.session, now);
  ctx.logger.info({ who: result.identity.who, role: result.identity.role }, 'signed in to the dashboard');
  return reply.send(signedInPage(result.identity));
}
