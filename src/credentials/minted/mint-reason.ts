// Why a token was minted, kept with the mint record so `auth list`/`auth explain` can say "re-minted after 401"
// (docs/minted.md#how-minting-works).

export type MintReason =
  /** Nothing was cached: the first use in this process. */
  | 'first'
  /** Refreshed ahead of the cached token's expiry. */
  | 'expiring'
  /** The cached token had expired before it was used again. */
  | 'expired'
  /** The provider refused the token with a 401 / 403. */
  | 'rejected_401'
  | 'rejected_403'
  /** The key file changed. */
  | 'changed'
  /** `auth refresh` in this process. */
  | 'forced'
  /** `auth refresh` in another process asked, through the state store. */
  | 'asked';

const WORDS: Record<MintReason, string> = {
  first: 'first use',
  expiring: 'ahead of expiry',
  expired: 'the last token had expired',
  rejected_401: 're-minted after 401',
  rejected_403: 're-minted after 403',
  changed: 'the key file changed',
  forced: 'forced by `auth refresh`',
  asked: 'asked for by `auth refresh`',
};

/** The reason after the provider refused a token with `status`. */
export function rejectedReason(status: number | undefined): MintReason {
  return status === 403 ? 'rejected_403' : 'rejected_401';
}

/** The reason in words; one written by a newer switchyard is shown as it is stored. */
export function mintReasonText(reason: string): string {
  return Object.hasOwn(WORDS, reason) ? WORDS[reason as MintReason] : reason;
}
