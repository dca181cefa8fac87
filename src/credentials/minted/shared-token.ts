// A gateway's workers share one minted token through the state store (docs/replicas.md#workers-every-core): the worker
// holding the mint lease mints and writes the token to the mint record; a worker that waited for the lease takes that
// token instead of running the command or asking the token endpoint again.
import type { MintPatch, MintRecord } from '../../state/types.ts';
import type { MintReason } from './mint-reason.ts';
import type { MintedSource } from './spec.ts';

/** A token another worker minted, as the minter caches it. */
export interface SharedToken {
  token: string;
  mintedAt: number;
  expiresAt?: number;
  reason: MintReason;
}

/** The record's token, if this worker should use it rather than mint: minted for this version of the source since
 * this worker started (a restarted gateway runs the command again, as one process does, rather than trust a token
 * from its last run), not the token this worker holds (or had rejected), minted after an `auth refresh` request when
 * that is why, and not yet due for refreshing itself. `refreshAt` is the minter's rule for when a token is refreshed
 * ahead. A forced mint (`auth refresh` here) takes none. */
export function sharedToken(
  record: MintRecord | undefined,
  source: MintedSource,
  why: MintReason,
  held: string | undefined,
  clock: { now: number; startedAt: number },
  refreshAt: (mintedAt: number, expiresAt: number) => number,
): SharedToken | undefined {
  if (why === 'forced' || record?.token === undefined || record.minted_at === undefined) return undefined;
  if (record.minted_at < clock.startedAt) return undefined;
  if (record.token_version !== source.version || record.token === held) return undefined;
  if (why === 'asked' && record.minted_at <= (record.refresh_requested_at ?? 0)) return undefined;
  const t: SharedToken = { token: record.token, mintedAt: record.minted_at, reason: record.mint_reason ?? why };
  if (record.expires_at === undefined) return t;
  if (clock.now >= refreshAt(record.minted_at, record.expires_at)) return undefined;
  return { ...t, expiresAt: record.expires_at };
}

/** What a worker writes after minting, before it lets the lease go, so the next holder finds it. */
export function sharedTokenPatch(
  source: MintedSource,
  token: { token: string; mintedAt: number; expiresAt?: number },
  why: MintReason,
  at: number,
): MintPatch {
  return {
    provider: source.provider,
    at,
    token: token.token,
    token_version: source.version,
    minted_at: token.mintedAt,
    mint_reason: why,
    expires_at: token.expiresAt ?? null,
    error: null,
    error_at: null,
  };
}
