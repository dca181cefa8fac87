// A minted credential's token status as the auth commands and the dashboard show it: what this process knows and
// what the state store says (a gateway's mints are recorded there), the later winning.
import type { CredentialPool } from '../pool.ts';
import type { MintedSource } from './spec.ts';
import type { MintReason } from './mint-reason.ts';
import type { StateStore } from '../../state/types.ts';
import { awsProfileFrom } from './aws-profile.ts';

/** One minted source as the auth commands show it. Times are ISO (JSON) and shown as clock times. */
export interface MintedView {
  id: string;
  /** `command gcloud`, `oauth2 client app at login.example.com`. */
  source: string;
  setting: string;
  /** What the source holds, said before anything is minted: an AWS profile's role and the keys that assume it. */
  from?: string;
  minted_at?: string;
  /** Why it was minted: `first`, `expiring`, `expired`, `rejected_401`, `rejected_403`, `changed`, `forced`, `asked`. */
  mint_reason?: MintReason;
  expires_at?: string;
  /** The last mint's failure, when it came after the last success. */
  error?: string;
  error_at?: string;
}

interface Times {
  mintedAt?: number;
  reason?: MintReason;
  expiresAt?: number;
  error?: string;
  errorAt?: number;
}

/** What this process knows of the source, and what the store says (another process's mints): the later wins. */
async function timesOf(pool: CredentialPool, store: StateStore, source: MintedSource): Promise<Times> {
  const local = pool.minter.status(source) ?? {};
  const r = await store.readMint(source.id).catch(() => undefined);
  const stored: Times = {};
  if (r?.minted_at !== undefined) stored.mintedAt = r.minted_at;
  if (r?.mint_reason !== undefined) stored.reason = r.mint_reason;
  if (r?.expires_at !== undefined) stored.expiresAt = r.expires_at;
  if (r?.error !== undefined) stored.error = r.error;
  if (r?.error_at !== undefined) stored.errorAt = r.error_at;
  const minted = (local.mintedAt ?? 0) >= (stored.mintedAt ?? 0) ? local : stored;
  const failed = (local.errorAt ?? 0) >= (stored.errorAt ?? 0) ? local : stored;
  const out: Times = {};
  if (minted.mintedAt !== undefined) out.mintedAt = minted.mintedAt;
  if (minted.reason !== undefined) out.reason = minted.reason;
  if (minted.expiresAt !== undefined) out.expiresAt = minted.expiresAt;
  if (failed.error !== undefined && failed.errorAt !== undefined && failed.errorAt >= (out.mintedAt ?? 0)) {
    out.error = failed.error;
    out.errorAt = failed.errorAt;
  }
  return out;
}

export async function mintedViews(pool: CredentialPool, store: StateStore, provider: string): Promise<MintedView[]> {
  const views: MintedView[] = [];
  for (const source of pool.mintedSources(provider)) {
    const t = await timesOf(pool, store, source);
    const v: MintedView = { id: source.id, source: source.describe, setting: source.where };
    const from = source.spec.kind === 'aws' ? await awsProfileFrom(source.spec) : undefined;
    if (from !== undefined) v.from = from;
    if (t.mintedAt !== undefined) v.minted_at = new Date(t.mintedAt).toISOString();
    if (t.reason !== undefined) v.mint_reason = t.reason;
    if (t.expiresAt !== undefined) v.expires_at = new Date(t.expiresAt).toISOString();
    if (t.error !== undefined) v.error = t.error;
    if (t.errorAt !== undefined) v.error_at = new Date(t.errorAt).toISOString();
    views.push(v);
  }
  return views;
}
