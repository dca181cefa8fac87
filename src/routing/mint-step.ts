// Minted credentials on the ladder: a token before each send, and one re-mint per route run after a 401/403 before
// the auth rules apply (docs/minted.md#how-minting-works).
import type { Credential } from '../credentials/types.ts';
import { mask } from '../config/mask.ts';
import { MintError } from '../credentials/minted/mint-error.ts';
import type { UpstreamError } from '../errors/upstream-error.ts';
import { authRejected } from './key-health.ts';
import type { RouteRun, Step } from './route-run.ts';
import { statement } from '../errors/explanation.ts';

export type WithToken = { ok: true; credential: Credential } | { ok: false; step: Step };

/** The credential with the token to send: as it is for a key, the minter's token for a minted credential. */
export async function withToken(run: RouteRun, cred: Credential): Promise<WithToken> {
  const { ctx } = run;
  const source = cred.minted;
  if (source === undefined) return { ok: true, credential: cred };
  const startedAt = ctx.now();
  try {
    const t = await ctx.pool.minter.token(source, waitBound(run, source.waitMs));
    return { ok: true, credential: tokenCredential(cred, t.token) };
  } catch (err) {
    if (!MintError.isInstance(err)) throw err;
    return { ok: false, step: mintFailed(run, cred, err, startedAt) };
  }
}

/** A request waits for a token at most the source's `mint_wait`, and never past its route's deadline. */
function waitBound(run: RouteRun, waitMs: number): number {
  return Math.max(0, Math.min(waitMs, run.deadline - run.ctx.now()));
}

/** The credential as sent: the token, masked as a key is. Its fingerprint (the source) and sources stay. Shared with
 * the live probe (inspect/probe-mint.ts). */
export function tokenCredential(cred: Credential, token: string): Credential {
  return { ...cred, secret: token, masked: mask(token) };
}

/** No token, so nothing was sent: the trail entry has no key (it counts as no attempt upstream), and the credential is
 * given up for this call. With nothing else to try, the route fails as `auth_missing` with the mint's own reason. */
function mintFailed(run: RouteRun, cred: Credential, err: MintError, startedAt: number): Step {
  const where = cred.sources[0]?.where;
  const at = where !== undefined ? ` (${where})` : '';
  // A mint still running is a wait given up, not a missing key: the route moves on as after a timeout.
  const waited = err.failure === 'wait';
  const kind = waited ? 'timeout' : 'auth_missing';
  const explanation = waited
    ? `waiting for a token from ${err.source}${at}: ${err.said}`
    : `could not get a token for ${run.route.provider} from ${err.message}${at}`;
  run.record({ outcome: kind, startedAt, endedAt: run.ctx.now(), message: explanation });
  run.setAside(cred, { kind, explanation: statement(explanation) });
  return { next: 'again' };
}

/** A 401/403: a new token sent at once if not re-minted yet in this run, else the auth rules, told what came of the
 * re-mint. */
export async function authRecovery(run: RouteRun, cred: Credential, err: UpstreamError): Promise<Step> {
  const again = await remint(run, cred, err);
  if (again.step !== undefined) return again.step;
  return authRejected(run, cred, err, again.why);
}

async function remint(run: RouteRun, cred: Credential, err: UpstreamError): Promise<{ step?: Step; why?: string }> {
  const source = cred.minted;
  if (source === undefined) return {};
  // Once per run: a later rejection (an auth retry of the same token) is told what came of it.
  if (run.reminted.has(cred.fingerprint)) {
    const why = run.reminted.get(cred.fingerprint);
    return why === undefined ? {} : { why };
  }
  run.reminting(cred.fingerprint);
  const status = err.status ?? 401;
  const startedAt = run.ctx.now();
  try {
    const fresh = await run.ctx.pool.minter.remint(source, cred.secret, status, waitBound(run, source.waitMs));
    if (fresh.token !== cred.secret)
      return { step: run.retry(tokenCredential(cred, fresh.token), `re-minted after ${status}`) };
    const why = `re-minted after ${status}, and ${source.describe} gave the same token again`;
    run.reminting(cred.fingerprint, why);
    return { why };
  } catch (e) {
    if (!MintError.isInstance(e)) throw e;
    const why = `re-minting after ${status} failed: ${e.message}`;
    run.reminting(cred.fingerprint, why);
    // In the trail as a failed mint is: no key, nothing sent.
    run.record({ outcome: 'auth_missing', startedAt, endedAt: run.ctx.now(), message: why });
    return { why };
  }
}
