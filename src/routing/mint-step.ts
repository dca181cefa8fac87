// Minted credentials on the ladder (SPEC §2, §4). Before each send the credential's token is asked of the minter
// (cached, or minted now); a mint that fails sets the credential aside for this call like a missing key, and the
// trail says why. After a 401/403 a minted credential is re-minted once per route run: a token other than the one
// refused is sent again at once — no backoff, no retry budget spent, nothing recorded against the source — and only
// when there is none (the mint failed, or gave the same token) do the auth rules of key-health.ts apply.
import type { Credential } from '../credentials/types.ts';
import { mask } from '../config/mask.ts';
import { MintError } from '../credentials/minted/mint-error.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import type { CallContext } from './call-context.ts';
import { authRejected } from './key-health.ts';
import { record, type RouteState, type Step } from './route-state.ts';

/** The route runs that re-minted a credential already (by fingerprint): once each. */
const reminted = new WeakMap<RouteState, Set<string>>();

export type WithToken = { ok: true; credential: Credential } | { ok: false; step: Step };

/** The credential with the token to send: as it is for a key, the minter's token for a minted credential. */
export async function withToken(ctx: CallContext, s: RouteState, cred: Credential): Promise<WithToken> {
  const source = cred.minted;
  if (source === undefined) return { ok: true, credential: cred };
  const startedAt = ctx.now();
  try {
    const t = await ctx.pool.minter.token(source);
    return { ok: true, credential: tokenCredential(cred, t.token) };
  } catch (err) {
    if (!MintError.isInstance(err)) throw err;
    return { ok: false, step: mintFailed(ctx, s, cred, err, startedAt) };
  }
}

/** The credential as sent: the token, masked as a key is. Its fingerprint (the source) and sources stay. */
function tokenCredential(cred: Credential, token: string): Credential {
  return { ...cred, secret: token, masked: mask(token) };
}

/** No token, so nothing was sent: the trail entry has no key (it counts as no attempt upstream), and the credential is
 * given up for this call. With nothing else to try, the route fails as `auth_missing` with the mint's own reason. */
function mintFailed(ctx: CallContext, s: RouteState, cred: Credential, err: MintError, startedAt: number): Step {
  const where = cred.sources[0]?.where;
  const explanation = `could not get a token for ${s.route.provider} from ${err.message}${where !== undefined ? ` (${where})` : ''}`;
  record(ctx, s, { outcome: 'auth_missing', startedAt, endedAt: ctx.now(), message: explanation });
  s.exclude.add(cred.fingerprint);
  s.keyFailures.push({ kind: 'auth_missing', explanation });
  return { next: 'again' };
}

/** A 401/403: a minted credential not re-minted yet in this route run gets a new token and is sent again at once;
 * otherwise (or when that gives nothing new) today's auth rules. */
export async function authRecovery(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Promise<Step> {
  const again = await remint(ctx, s, cred, err);
  if (again.step !== undefined) return again.step;
  const step = await authRejected(ctx, s, cred, err);
  // Said with the rejection, so "rejected" is not read as "and nothing was tried".
  const last = s.keyFailures.at(-1);
  if (again.why !== undefined && last !== undefined && last.kind === 'auth_rejected') last.explanation = `${last.explanation} (${again.why})`;
  return step;
}

async function remint(ctx: CallContext, s: RouteState, cred: Credential, err: UpstreamError): Promise<{ step?: Step; why?: string }> {
  const source = cred.minted;
  if (source === undefined) return {};
  let done = reminted.get(s);
  if (done === undefined) {
    done = new Set();
    reminted.set(s, done);
  }
  if (done.has(cred.fingerprint)) return {};
  done.add(cred.fingerprint);
  const status = err.status ?? 401;
  try {
    const fresh = await ctx.pool.minter.remint(source, cred.secret);
    if (fresh.token === cred.secret) return { why: `re-minted after ${status}, and ${source.describe} gave the same token again` };
    s.pinned = tokenCredential(cred, fresh.token);
    s.note = `re-minted after ${status}`;
    return { step: { next: 'again' } };
  } catch (e) {
    if (!MintError.isInstance(e)) throw e;
    return { why: `re-minting after ${status} failed: ${e.message}` };
  }
}
