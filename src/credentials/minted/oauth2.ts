// `oauth2:`: one token request (RFC 6749 client_credentials or refresh_token) to the token endpoint
// (docs/minted.md#oauth2). A rotated refresh_token in the answer replaces the one used.
import { ProxyAgent, request, type Dispatcher } from 'undici';
import type { OAuth2Spec } from './spec.ts';
import { MintError } from './mint-error.ts';
import { describeProxy, tunnelWords } from '../../providers/proxy.ts';
import { existsSync } from 'node:fs';
import { googleTokenRequest } from './google-jwt.ts';

export interface TokenAnswer {
  token: string;
  expiresAt?: number;
  /** A new refresh token, when the endpoint rotated it. */
  refreshToken?: string;
}

/** `refreshToken`: the one to spend (the grant's), read by the caller from the store or the config. */
export async function requestToken(
  spec: OAuth2Spec,
  source: string,
  now: () => number,
  refreshToken?: string,
): Promise<TokenAnswer> {
  if (
    spec.grant === 'gce_metadata' ||
    (spec.metadataFallback !== undefined && !existsSync(spec.serviceAccountFile ?? ''))
  )
    return metadataToken(spec, source, now);
  if (spec.grant === 'jwt_bearer') {
    // A Google credentials file: its own grant (a signed assertion, or a user's refresh token), its own token_uri.
    const g = await googleTokenRequest(spec, source, now);
    return postForm({ ...spec, tokenUrl: g.tokenUrl }, source, now, g.form, {}, g.secrets);
  }
  const form = new URLSearchParams({ grant_type: spec.grant });
  if (spec.grant === 'refresh_token') form.set('refresh_token', refreshToken ?? '');
  if (spec.scope !== undefined) form.set('scope', spec.scope);
  if (spec.audience !== undefined) form.set('audience', spec.audience);
  const headers: Record<string, string> = {};
  if (spec.clientAuth === 'basic') {
    // RFC 6749 §2.3.1: each part form-encoded before joining.
    const basic = `${encodeURIComponent(spec.clientId)}:${encodeURIComponent(spec.clientSecret ?? '')}`;
    headers['authorization'] = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else {
    form.set('client_id', spec.clientId);
    if (spec.clientSecret !== undefined) form.set('client_secret', spec.clientSecret);
  }
  const secrets = [spec.clientSecret, refreshToken].filter((s): s is string => s !== undefined && s !== '');
  return postForm(spec, source, now, form, headers, secrets);
}

/** The instance's service account token from the metadata server: a GET with `Metadata-Flavor: Google` (which the
 * server insists on, so no page can fetch it), answered like a token endpoint. */
function metadataToken(spec: OAuth2Spec, source: string, now: () => number): Promise<TokenAnswer> {
  const url = spec.grant === 'gce_metadata' ? spec.tokenUrl : (spec.metadataFallback ?? spec.tokenUrl);
  // The metadata server is on the instance's own link: never through a proxy.
  const { proxy: _proxy, ...direct } = spec;
  return tokenCall(
    { ...direct, tokenUrl: url },
    source,
    now,
    { method: 'GET', headers: { 'metadata-flavor': 'Google' } },
    [],
  );
}

/** POSTs the token request and reads the answer; `secrets` are scrubbed from anything the endpoint says. */
function postForm(
  spec: OAuth2Spec,
  source: string,
  now: () => number,
  form: URLSearchParams,
  auth: Record<string, string>,
  secrets: readonly string[],
): Promise<TokenAnswer> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded', ...auth };
  return tokenCall(spec, source, now, { method: 'POST', headers, body: form.toString() }, secrets);
}

/** One call to a token endpoint and its answer read. */
async function tokenCall(
  spec: OAuth2Spec,
  source: string,
  now: () => number,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  secrets: readonly string[],
): Promise<TokenAnswer> {
  const headers = { accept: 'application/json', ...init.headers };
  let status: number;
  let text: string;
  // A token is asked for once in a while: an agent for the one request, closed after it, rather than a pool kept open.
  const agent = spec.proxy === undefined ? undefined : new ProxyAgent({ uri: spec.proxy.url });
  const signal = AbortSignal.timeout(spec.timeoutMs);
  try {
    const res = await request(spec.tokenUrl, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal,
      ...(agent !== undefined ? { dispatcher: agent } : {}),
    });
    status = res.statusCode;
    const read = await boundedText(res.body, res.headers['content-length']);
    if (read === undefined)
      throw new MintError(
        source,
        'format',
        `the token endpoint ${endpoint(spec.tokenUrl)} answered ${status} with more than ${MAX_ANSWER_BYTES / 1024} KiB (the most a token answer is read to), which is not a token answer`,
      );
    text = read;
  } catch (err) {
    if (MintError.isInstance(err)) throw err;
    const e = err as { name?: string; code?: string; message?: string };
    // By the signal, not the error's name: undici says a proxy's refused tunnel with an AbortError too.
    if (signal.aborted)
      throw new MintError(
        source,
        'timeout',
        `the token endpoint did not answer within ${Math.round(spec.timeoutMs / 100) / 10}s (oauth2 timeout)`,
      );
    // A proxy's refusal is in the message only (its code is UND_ERR_ABORTED); otherwise the code says enough.
    const message = scrub(e.message ?? String(err), secrets);
    const why = tunnelWords(message) ?? e.code ?? message;
    const via = spec.proxy === undefined ? '' : ` through the proxy ${describeProxy(spec.proxy)}`;
    throw new MintError(
      source,
      'connection',
      `the token endpoint ${endpoint(spec.tokenUrl)} could not be reached${via} (${why})`,
    );
  } finally {
    void agent?.close().catch(() => {});
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  if (status < 200 || status >= 300) throw refusal(spec, source, status, body, secrets);
  const token = body?.['access_token'];
  if (typeof token !== 'string' || token.trim() === '')
    throw new MintError(source, 'format', `the token endpoint answered ${status} without an access_token`);
  const answer: TokenAnswer = { token: token.trim() };
  const expiresIn = Number(body?.['expires_in']);
  if (Number.isFinite(expiresIn) && expiresIn > 0) answer.expiresAt = now() + expiresIn * 1000;
  const rotated = body?.['refresh_token'];
  if (typeof rotated === 'string' && rotated.trim() !== '') answer.refreshToken = rotated.trim();
  return answer;
}

/** More than any token answer (a JWT access token, an id_token and a refresh token fit many times over). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** The answer's text, or undefined past the bound — said by its Content-Length, else found while reading. The body
 * is destroyed then, so its connection is not left half read. */
async function boundedText(
  body: Dispatcher.ResponseData['body'],
  length: string | string[] | undefined,
): Promise<string | undefined> {
  if (typeof length === 'string' && Number(length) > MAX_ANSWER_BYTES) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function refusal(
  spec: OAuth2Spec,
  source: string,
  status: number,
  body: Record<string, unknown> | undefined,
  secrets: readonly string[],
): MintError {
  const code = typeof body?.['error'] === 'string' ? body['error'] : undefined;
  const description =
    typeof body?.['error_description'] === 'string'
      ? scrub(body['error_description'], secrets).slice(0, 200)
      : undefined;
  const said = code === undefined ? '' : ` ${code}${description ? `: ${description}` : ''}`;
  if (code === 'invalid_grant' && spec.grant === 'refresh_token') {
    return new MintError(
      source,
      'invalid_grant',
      `the token endpoint refused the refresh token (${status}${said}); sign in again and give the new refresh token (oauth2.refresh_token)`,
    );
  }
  return new MintError(source, 'refused', `the token endpoint ${endpoint(spec.tokenUrl)} answered ${status}${said}`);
}

function endpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'of oauth2.token_url';
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}
