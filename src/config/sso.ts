// `gateway.sso`: single sign-on to the dashboard through an OpenID Connect provider (docs/observability.md#single-sign-on).
// Its own file because each mistake here locks people out of the dashboard at sign-in, far from the config: the issuer
// and the redirect URL are checked for what the provider will refuse, and the role mapping for what it cannot mean.
import { z } from 'zod';
import { isLoopback } from '../loopback.ts';
import { HOUR, durationSchema } from './schema-duration.ts';

/** The dashboard's roles, weakest first: each may do what the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The path the provider sends the browser back to (src/gateway/ui/sso.ts serves it). */
export const SSO_CALLBACK_PATH = '/ui/sso/callback';

/** Why an http(s) URL cannot be used as `what`; http is only for a provider on this machine (tests, a local IdP). */
function urlProblem(value: string, what: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${what}: expected an https:// URL, got ${JSON.stringify(value)}`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopback(url.hostname.replace(/^\[|\]$/g, ''))) return undefined;
  return `${what}: expected an https:// URL (http:// only on loopback), got ${JSON.stringify(value)}`;
}

function url(what: string) {
  return z.string().superRefine((value, ctx) => {
    const problem = urlProblem(value, what);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

const claimValues = z
  .array(z.string().min(1, 'a claim value cannot be empty'))
  .min(1, 'expected at least one claim value, e.g. [oncall]');

export const ssoSchema = z
  .strictObject({
    /** The provider's issuer URL; its `/.well-known/openid-configuration` is read at the first sign-in. */
    issuer: url('the issuer'),
    client_id: z.string().min(1, 'expected the client id the provider gave this gateway'),
    /** Usually `${SWITCHYARD_SSO_SECRET}`; a public client (PKCE only) leaves it out. */
    client_secret: z.string().optional(),
    /** This gateway's callback as the browser reaches it, registered with the provider: `https://HOST/ui/sso/callback`. */
    redirect_url: url('the redirect URL').superRefine((value, ctx) => {
      if (URL.canParse(value) && new URL(value).pathname !== SSO_CALLBACK_PATH)
        ctx.addIssue({
          code: 'custom',
          message: `the redirect URL must end in ${SSO_CALLBACK_PATH} (the gateway's callback), got ${JSON.stringify(value)}`,
        });
    }),
    scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
    /** The ID token's claim holding the user's groups or roles: a string or a list of strings. */
    role_claim: z.string().min(1).default('groups'),
    /** Role → the claim values that grant it; the strongest role a user's values reach wins. */
    roles: z
      .strictObject({ viewer: claimValues.optional(), operator: claimValues.optional(), admin: claimValues.optional() })
      .refine((r) => ROLES.some((role) => r[role] !== undefined), {
        message: 'map at least one role, e.g. roles: { viewer: [engineering], operator: [oncall] }',
      }),
    /** The claim that names the user in the log and the audit. */
    name_claim: z.string().min(1).default('email'),
    /** How long a sign-in lasts. */
    session: durationSchema({ max: 7 * 24 * HOUR, positive: true }, '1h, 8h or 24h').default(12 * HOUR),
  })
  .superRefine((sso, ctx) => {
    if (!sso.scopes.includes('openid'))
      ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'scopes must include openid (OpenID Connect)' });
  });

export type SsoConfig = z.infer<typeof ssoSchema>;
