// The simulator's OAuth2 token endpoint (docs/simulator.md#oauth2). Refresh tokens are single-use, so two gateways
// sharing one without a lease meet `invalid_grant` here as they would for real.
import { setTimeout as sleep } from 'node:timers/promises';
import { jwtBearerClient, JWT_BEARER } from './jwt-bearer.ts';
import type { HttpReply } from '../../errors.ts';
import type { OAuthClient, Scenario } from '../../scenario.ts';

interface Issued {
  client: string;
  expiresAt: number;
  uses: number;
  maxRequests?: number;
  invalidated: boolean;
}

export interface OAuthCounts {
  /** Access tokens issued. */
  issued: number;
  /** Refresh tokens spent (each once). */
  refreshed: number;
  /** Refresh tokens refused: unknown or spent already. */
  invalid_grant: number;
  /** Token requests refused for the client's credentials. */
  invalid_client: number;
}

/** What a chat call's key is to the token endpoint: not one of its tokens, or one (with what is wrong with it). */
export type TokenCheck =
  { issued: false } | { issued: true; client: string; problem?: 'token_expired' | 'token_invalidated' };

export const OAUTH2_TOKEN_PATH = '/oauth2/token';

const json = (status: number, value: unknown): HttpReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(value),
  headers: { 'cache-control': 'no-store' },
});
const oauthError = (status: number, error: string, description: string): HttpReply =>
  json(status, { error, error_description: description });

export class OAuthEndpoint {
  readonly #tokens = new Map<string, Issued>();
  /** Refresh token → its client and whether it is spent. */
  readonly #refresh = new Map<string, { client: string; spent: boolean }>();
  readonly #counts = new Map<string, OAuthCounts>();
  readonly #scriptPos = new Map<string, number>();
  #seq = 0;

  constructor(scenario: Scenario) {
    this.reset(scenario);
  }

  /** Forgets every token; the configured first refresh tokens are good again. */
  reset(scenario: Scenario): void {
    this.#tokens.clear();
    this.#refresh.clear();
    this.#counts.clear();
    this.#scriptPos.clear();
    for (const [id, c] of Object.entries(scenario.oauth2.clients))
      if (c.refresh_token !== undefined) this.#refresh.set(c.refresh_token, { client: id, spent: false });
  }

  counts(): Record<string, OAuthCounts> {
    return Object.fromEntries([...this.#counts].map(([k, v]) => [k, { ...v }]));
  }

  /** Every token of the client answers token_invalidated from now on. */
  invalidate(client: string): number {
    let n = 0;
    for (const t of this.#tokens.values()) {
      if (t.client === client && !t.invalidated) {
        t.invalidated = true;
        n++;
      }
    }
    return n;
  }

  /** What the key is, without counting a use: listing models probes a token as it probes a key. */
  peek(key: string | undefined, now: number): TokenCheck {
    const t = key === undefined ? undefined : this.#tokens.get(key);
    if (t === undefined) return { issued: false };
    if (now >= t.expiresAt) return { issued: true, client: t.client, problem: 'token_expired' };
    if (t.invalidated || (t.maxRequests !== undefined && t.uses >= t.maxRequests))
      return { issued: true, client: t.client, problem: 'token_invalidated' };
    return { issued: true, client: t.client };
  }

  /** Called once per chat call: a use of the token, when it is one. */
  check(key: string | undefined, now: number): TokenCheck {
    const t = key === undefined ? undefined : this.#tokens.get(key);
    if (t === undefined) return { issued: false };
    if (now >= t.expiresAt) return { issued: true, client: t.client, problem: 'token_expired' };
    t.uses++;
    if (t.invalidated || (t.maxRequests !== undefined && t.uses > t.maxRequests)) {
      t.invalidated = true;
      return { issued: true, client: t.client, problem: 'token_invalidated' };
    }
    return { issued: true, client: t.client };
  }

  async token(
    scenario: Scenario,
    form: URLSearchParams,
    authorization: string | undefined,
    now: () => number,
    signal: AbortSignal,
  ): Promise<HttpReply> {
    const bearer = form.get('grant_type') === JWT_BEARER ? jwtBearerClient(scenario, form, now()) : undefined;
    if (bearer !== undefined && 'refused' in bearer) return oauthError(400, 'invalid_grant', bearer.refused);
    const creds: { id?: string; secret?: string } = bearer ?? clientCredentials(form, authorization);
    const client = creds.id === undefined ? undefined : scenario.oauth2.clients[creds.id];
    if (creds.id === undefined || client === undefined) return oauthError(401, 'invalid_client', 'unknown client');
    const counts = this.#countsOf(creds.id);
    if (client.latency > 0) await sleep(client.latency, undefined, { signal }).catch(() => {});
    if (bearer === undefined && client.secret !== undefined && creds.secret !== client.secret) {
      counts.invalid_client++;
      return oauthError(401, 'invalid_client', 'client authentication failed');
    }
    const grant = bearer !== undefined ? 'jwt_bearer' : (form.get('grant_type') ?? '');
    if (grant !== 'client_credentials' && grant !== 'refresh_token' && grant !== 'jwt_bearer')
      return oauthError(400, 'unsupported_grant_type', `grant_type ${grant || '(none)'} is not supported`);
    if (!client.grants.includes(grant) && !(grant === 'jwt_bearer' && client.public_key !== undefined))
      return oauthError(400, 'unauthorized_client', `this client may not use the ${grant} grant`);
    const step = this.#nextStep(creds.id, client);
    if (step === '500') return json(500, { error: 'server_error', error_description: 'the token endpoint failed' });
    if (step === 'invalid_client') {
      counts.invalid_client++;
      return oauthError(401, 'invalid_client', 'client authentication failed');
    }
    let rotated: string | undefined;
    if (grant === 'refresh_token') {
      const given = form.get('refresh_token') ?? '';
      const known = this.#refresh.get(given);
      if (step === 'invalid_grant' || known === undefined || known.client !== creds.id || known.spent) {
        counts.invalid_grant++;
        return oauthError(
          400,
          'invalid_grant',
          known?.spent ? 'the refresh token was already used' : 'the refresh token is not valid',
        );
      }
      counts.refreshed++;
      if (client.rotate) {
        known.spent = true;
        rotated = `sim-rt-${creds.id}-${++this.#seq}`;
        this.#refresh.set(rotated, { client: creds.id, spent: false });
      }
    } else if (step === 'invalid_grant') {
      counts.invalid_grant++;
      return oauthError(400, 'invalid_grant', 'the grant is not valid');
    }
    const token = `sim-at-${creds.id}-${++this.#seq}`;
    const issued: Issued = { client: creds.id, expiresAt: now() + client.expires_in, uses: 0, invalidated: false };
    if (client.max_requests !== undefined) issued.maxRequests = client.max_requests;
    this.#tokens.set(token, issued);
    counts.issued++;
    const body: Record<string, unknown> = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.max(1, Math.round(client.expires_in / 1000)),
    };
    if (rotated !== undefined) body['refresh_token'] = rotated;
    return json(200, body);
  }

  #countsOf(client: string): OAuthCounts {
    let c = this.#counts.get(client);
    if (c === undefined) {
      c = { issued: 0, refreshed: 0, invalid_grant: 0, invalid_client: 0 };
      this.#counts.set(client, c);
    }
    return c;
  }

  #nextStep(id: string, client: OAuthClient): OAuthClient['script'][number] {
    const pos = this.#scriptPos.get(id) ?? 0;
    this.#scriptPos.set(id, pos + 1);
    return client.script[pos] ?? 'ok';
  }
}

/** The client's id and secret: HTTP Basic (each part form-encoded, RFC 6749 §2.3.1) or the form's fields. */
export function clientCredentials(
  form: URLSearchParams,
  authorization: string | undefined,
): { id?: string; secret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '')?.[1];
  if (basic !== undefined) {
    const text = Buffer.from(basic, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0)
      return { id: decodeURIComponent(text.slice(0, colon)), secret: decodeURIComponent(text.slice(colon + 1)) };
  }
  const out: { id?: string; secret?: string } = {};
  const id = form.get('client_id');
  const secret = form.get('client_secret');
  if (id !== null) out.id = id;
  if (secret !== null) out.secret = secret;
  return out;
}
