// Mint records Redis did not take (unreachable, or a command timed out): how two waiting changes fold into one, and
// the warning a rotated refresh token kept only here calls for (docs/minted.md#how-minting-works).
import type { MintPatch } from '../types.ts';

/** The later change over the earlier: its fields win, fields it leaves out are the earlier's. */
export function foldMintPatch(earlier: MintPatch, later: MintPatch): MintPatch {
  const next: Record<string, unknown> = { ...earlier };
  for (const [field, value] of Object.entries(later)) if (value !== undefined) next[field] = value;
  return next as MintPatch;
}

export function unsharedRefreshWarning(provider: string, location: string, why: string): string {
  return `${provider}: the rotated refresh token could not be written to the shared state store (Redis at ${location}: ${why}); it is kept in this process and its state file and written to Redis as soon as it answers. Until then other replicas spend the old refresh token, which the token endpoint refuses: bring Redis back, or send ${provider}'s calls to this replica`;
}
