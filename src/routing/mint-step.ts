// Minted credentials on the ladder (docs/credentials.md, docs/routing.md). Before each send the credential's token is asked of the minter
// (cached, or minted now); a mint that fails sets the credential aside for this call like a missing key, and the
// trail says why. After a 401/403 a minted credential is re-minted once per route run: a token other than the one
// refused is sent again at once — no backoff, no retry budget spent, nothing recorded against the source — and only
// when there is none (the mint failed, or gave the same token) do the auth rules of key-health.ts apply.
import type { Credential } from '../credentials/types.ts';
import { mask } from '../config/mask.ts';
import { MintError } from '../credentials/minted/mint-error.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import { authRejected } from './key-health.ts';
import type { RouteRun, Step } from './route-run.ts';

export type WithToken = { ok: true; credential: Credential } | { ok: false; step: Step };

/** The credential with the token to send: as it is for a key, the minter's token for a minted credential. */
export async function withToken(run: RouteRun, cred: Credential): Promise<WithToken> {
  const { ctx } = run;
  const source = cred.minted;
  if (source === undefined) return { ok: true, credential: cred };
  const startedAt = ctx.now();
  try {
    const t = await ctx.pool.minter.token(source);
    return { ok: true, credential: tokenCredential(cred, t.token) };
  } catch (err) {
    if (!MintError.isInstance(err)) throw err;
    return { ok: false, step: mintFailed(run, cred, err, startedAt) };
  }
}

/** The credential as sent: the token, masked as a key is. Its fingerprint (the source) and sources stay. */
function tokenCredential(cred: Credential, token: string): Credential {
  return { ...cred, secret: token, masked: mask(token) };
}

/** No token, so nothing was sent: the trail entry has no key (it counts as no attempt upstream), and the credential is
 * given up for this call. With nothing else to try, the route fails as `auth_missing` with the mint's own reason. */
function mintFailed(run: RouteRun, cred: Credential, err: MintError, startedAt: number): Step {
  const where = cred.sources[0]?.where;
  const explanation = `could not get a token for ${run.route.provider} from ${err.message}${where !== undefined ? ` (${where})` : ''}`;
  run.record({ outcome: 'auth_missing', startedAt, endedAt: run.ctx.now(), message: explanation });
  run.exclude.add(cred.fingerprint);
  run.keyFailures.push({ kind: 'auth_missing', explanation });
  return { next: 'again' };
}

/** A 401/403: a minted credential not re-minted yet in this route run gets a new token and is sent again at once;
 * otherwise (or when that gives nothing new) today's auth rules. */
export async function authRecovery(run: RouteRun, cred: Credential, err: UpstreamError): Promise<Step> {
  const again = await remint(run, cred, err);
  if (again.step !== undefined) return again.step;
  const step = await authRejected(run, cred, err);
  // Said with the rejection, so "rejected" is not read as "and nothing was tried".
  const last = run.keyFailures.at(-1);
  if (again.why !== undefined && last !== undefined && last.kind === 'auth_rejected')
    last.explanation = `${last.explanation} (${again.why})`;
  return step;
}

async function remint(run: RouteRun, cred: Credential, err: UpstreamError): Promise<{ step?: Step; why?: string }> {
  const source = cred.minted;
  if (source === undefined || run.reminted.has(cred.fingerprint)) return {};
  run.reminted.add(cred.fingerprint);
  const status = err.status ?? 401;
  try {
    const fresh = await run.ctx.pool.minter.remint(source, cred.secret, status);
    if (fresh.token === cred.secret)
      return { why: `re-minted after ${status}, and ${source.describe} gave the same token again` };
    return { step: run.retry(tokenCredential(cred, fresh.token), `re-minted after ${status}`) };
  } catch (e) {
    if (!MintError.isInstance(e)) throw e;
    return { why: `re-minting after ${status} failed: ${e.message}` };
  }
}
