// The live probe of a minted credential (`auth test`, `doctor`) mints first: a mint that fails is reported as such
// — `mint_failed`, with the mint's own reason (exit code, timeout, bad output, the token endpoint's error) — apart
// from anything the provider says, since the provider was never asked.
import type { CredentialPool } from '../credentials/pool.ts';
import type { Credential } from '../credentials/types.ts';
import { tokenCredential } from '../routing/mint-step.ts';
import { MintError, type MintFailure } from '../credentials/minted/mint-error.ts';

export interface MintProbeFailure {
  status: 'mint_failed';
  mint_failure: MintFailure;
  method: string;
  message: string;
  latency_ms: number;
}

/** The credential with its token (a key as it is), or the mint's failure. */
export async function tokenForProbe(
  pool: CredentialPool,
  credential: Credential,
  now: () => number,
): Promise<{ credential: Credential } | { failure: MintProbeFailure }> {
  const source = credential.minted;
  if (source === undefined) return { credential };
  const started = now();
  try {
    const t = await pool.minter.token(source);
    return { credential: tokenCredential(credential, t.token) };
  } catch (err) {
    if (!MintError.isInstance(err)) throw err;
    return {
      failure: {
        status: 'mint_failed',
        mint_failure: err.failure,
        method: `mint ${source.describe}`,
        message: `could not mint a token (${source.where}): ${err.message}; ${credential.provider} was not asked`,
        latency_ms: now() - started,
      },
    };
  }
}
