// Signing in to the dashboard through the OpenID Connect provider `gateway.sso` names, with `openid-client`: the
// provider found by discovery, the authorization code flow with PKCE, state and nonce, and the ID token's claims turned
// into who the user is and their role (roles.ts). Nothing from the provider is kept but that name and role: the
// tokens are dropped once read, so none can reach a log, a span or the audit.
import * as oidc from 'openid-client';
import type { SsoConfig } from '../../config/sso.ts';
import { roleFromClaims } from './roles.ts';
import type { Identity } from './session.ts';

/** How long a sign-in may take at the provider before its state is forgotten. */
export const FLOW_MS = 10 * 60 * 1000;

/** Longest name kept for a user; the rest is cut. */
const MAX_NAME = 200;

/** The provider's configuration, found once per issuer and client (again after a reload changes them, or after a
 * discovery that failed). */
export class SsoClient {
  #found: Promise<oidc.Configuration> | undefined;
  #for: string | undefined;

  configuration(sso: SsoConfig): Promise<oidc.Configuration> {
    const key = JSON.stringify([sso.issuer, sso.client_id, sso.client_secret ?? null]);
    if (this.#found === undefined || this.#for !== key) {
      this.#for = key;
      const issuer = new URL(sso.issuer);
      const auth = sso.client_secret === undefined ? oidc.None() : oidc.ClientSecretBasic(sso.client_secret);
      // http:// is allowed by the config only on loopback (config/sso.ts).
      const found = oidc.discovery(issuer, sso.client_id, undefined, auth, {
        ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      this.#found = found;
      found.catch(() => {
        if (this.#found === found) this.#found = undefined;
      });
    }
    return this.#found;
  }
}

/** What the browser carries between the redirect to the provider and its return: the PKCE verifier, state and nonce,
 * with when it stops being accepted. Signed into a cookie by the route. */
export interface Flow {
  until: number;
  verifier: string;
  state: string;
  nonce: string;
}

export function flowText(f: Flow): string {
  return `${f.until}.${f.verifier}.${f.state}.${f.nonce}`;
}

export function flowFrom(text: string | undefined, now: number): Flow | undefined {
  const parts = text?.split('.');
  if (parts?.length !== 4) return undefined;
  const [until, verifier, state, nonce] = parts as [string, string, string, string];
  return Number(until) >= now ? { until: Number(until), verifier, state, nonce } : undefined;
}

/** Where to send the browser, and the flow to remember. */
export async function startSignIn(sso: SsoConfig, config: oidc.Configuration, now: number) {
  const flow: Flow = {
    until: now + FLOW_MS,
    verifier: oidc.randomPKCECodeVerifier(),
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
  };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: sso.redirect_url,
    scope: sso.scopes.join(' '),
    code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
    code_challenge_method: 'S256',
    state: flow.state,
    nonce: flow.nonce,
  });
  return { url, flow };
}

/** A sign-in the provider finished, or why it is refused (words for the sign-in page, without any token). */
export type SignIn = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; message: string };

/** The provider's answer (`query`: the callback's query string) → who signed in and their role. */
export async function finishSignIn(
  sso: SsoConfig,
  config: oidc.Configuration,
  query: string,
  flow: Flow,
): Promise<SignIn> {
  const current = new URL(sso.redirect_url);
  current.search = query;
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
      idTokenExpected: true,
    });
    claims = { ...tokens.claims() };
    // Some providers put groups only in the userinfo answer.
    if (claims[sso.role_claim] === undefined && typeof claims['sub'] === 'string')
      claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims['sub'])), ...claims };
  } catch (err) {
    return { ok: false, status: 401, message: `sign-in failed at the provider: ${reason(err)}` };
  }
  const who = nameOf(sso, claims);
  const role = roleFromClaims(sso, claims);
  if (role === undefined)
    return {
      ok: false,
      status: 403,
      message:
        `${who} has no role on this dashboard: none of their "${sso.role_claim}" values is mapped in ` +
        'gateway.sso.roles',
    };
  return { ok: true, identity: { who, role, via: 'sso' } };
}

/** The name the log and the audit give the user: the configured claim, else their username or subject; printable
 * and bounded, since it comes from outside. */
function nameOf(sso: SsoConfig, claims: Record<string, unknown>): string {
  const raw = [claims[sso.name_claim], claims['preferred_username'], claims['sub']].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  // eslint-disable-next-line no-control-regex
  return (raw ?? 'unknown user').replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_NAME);
}

/** An error's words: the provider's `error`/`error_description` when it sent them. Never the request it failed on. */
function reason(err: unknown): string {
  if (err instanceof oidc.AuthorizationResponseError)
    return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  if (err instanceof oidc.ResponseBodyError)
    return `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  if (!(err instanceof Error)) return String(err);
  // openid-client says "invalid response encountered" and puts what was invalid in the cause.
  return err.cause instanceof Error ? `${err.message} (${err.cause.message})` : err.message;
}
