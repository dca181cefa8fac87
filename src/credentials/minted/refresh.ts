// Minting a provider's minted credentials again now: `auth refresh` and the dashboard's Refresh both do it through
// this, so both say the same of each — minted and until when, or why the mint failed (docs/credentials.md#auth-refresh-p-id).
import type { CredentialPool } from '../pool.ts';
import type { StateStore } from '../../state/types.ts';
import { matchOne } from '../../state/match.ts';
import { MintError, type MintFailure } from './mint-error.ts';
import type { MintedSource } from './spec.ts';

/** One minted source's refresh. Times are ISO. */
export interface RefreshResult {
  id: string;
  /** `command gcloud`, `oauth2 client app at login.example.com`. */
  source: string;
  ok: boolean;
  expires_at?: string;
  /** A failed mint in words, its source first (never the command's output or a token). */
  error?: string;
  /** What went wrong with a failed mint, as a value (`exit`, `timeout`, `invalid_grant`, …). */
  failure?: MintFailure;
}

/** Nothing was minted: the provider has no minted credential, or none has the ID asked for. */
export interface RefreshRefused {
  refused: 'not_minted' | 'unknown_id';
  message: string;
}

export type RefreshOutcome = { results: RefreshResult[] } | RefreshRefused;

/** The sources asked for: all of the provider's, or the one `id` names (an exact ID, a label or a unique prefix). */
function chosenSources(
  pool: CredentialPool,
  provider: string,
  id: string | undefined,
): MintedSource[] | RefreshRefused {
  const all = pool.mintedSources(provider);
  if (all.length === 0)
    return {
      refused: 'not_minted',
      message: `${provider} has no minted credential to refresh: its keys are used as written (a minted one comes from api_key_file, api_key_command or oauth2 under providers.${provider}, or under a task auxiliary.T with provider: ${provider})`,
    };
  if (id === undefined) return all;
  const one = matchOne(all, id, () => undefined, `minted credential of ${provider}`);
  if (one !== undefined) return [one];
  return {
    refused: 'unknown_id',
    message: `no minted credential of ${provider} has the ID "${id}"; its minted credentials: ${all.map((s) => `${s.id} (${s.describe})`).join(', ')}`,
  };
}

/** Mints each chosen source now and asks, through the store, every process holding an older token of it to mint its
 * own (as of this mint, so this process's watcher does not mint a second time). A failed mint is a result, not a
 * throw. */
export async function refreshMinted(
  pool: CredentialPool,
  store: StateStore,
  provider: string,
  id: string | undefined,
  now: () => number = Date.now,
): Promise<RefreshOutcome> {
  const chosen = chosenSources(pool, provider, id);
  if (!Array.isArray(chosen)) return chosen;
  const results: RefreshResult[] = [];
  for (const source of chosen) {
    try {
      const t = await pool.minter.refresh(source);
      await store.writeMint(source.id, { provider, at: now(), refresh_requested_at: t.mintedAt });
      results.push({
        id: source.id,
        source: source.describe,
        ok: true,
        ...(t.expiresAt !== undefined ? { expires_at: new Date(t.expiresAt).toISOString() } : {}),
      });
    } catch (err) {
      if (!MintError.isInstance(err)) throw err;
      results.push({ id: source.id, source: source.describe, ok: false, error: err.message, failure: err.failure });
    }
  }
  return { results };
}
