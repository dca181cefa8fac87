// CONTRACT STUB — replaced by the state store implementation.
import type { StateStore } from './types.ts';

export interface OpenStoreOptions {
  /** Directory for state; default $SWITCHYARD_HOME, else $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard. */
  home?: string;
  env?: Record<string, string | undefined>;
  /** `sqlite` or `redis://…` (gateway.state). */
  kind?: string;
}

/** Returns the directory state lives in. */
export function stateHome(_env: Record<string, string | undefined> = process.env): string {
  throw new Error('stateHome: not implemented yet');
}

export function openStore(_options: OpenStoreOptions = {}): StateStore {
  throw new Error('openStore: not implemented yet');
}
