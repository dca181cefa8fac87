// Credential contract (docs/credentials.md). A credential is a secret plus every source it came from; identity is the
// fingerprint; health is kept per fingerprint in the state store. Secrets from config/env/.env are references:
// they are re-read from the loaded config on every resolution and never copied into the store.
import type { ErrorKind } from '../errors/kinds.ts';
import type { MintedKind, MintedSource } from './minted/spec.ts';

/** `file`, `command` and `oauth2` are minted: their token is read, run or asked for when needed (minted/). */
export type SourceKind = 'config' | 'env' | 'dotenv' | 'stored' | MintedKind;

export interface CredentialSource {
  kind: SourceKind;
  /** Human description of where: `providers.mimo.api_key`, `providers.mimo.api_keys[1]`, `env MIMO_API_KEY`,
   * `.env MIMO_API_KEY`, `stored "backup"`; a minted source's setting, `providers.vertex.api_key_command`. */
  where: string;
  /** A `${VAR}` slot's variable (`env VAR`, `.env VAR`), so a message names what to edit, not the reference; a
   * minted source's token giver (`command gcloud`). */
  via?: string;
}

export interface Credential {
  provider: string;
  /** Short hash of the secret; also the credential's ID in the CLI. */
  fingerprint: string;
  /** The secret itself. Never log, print or persist it (except stored credentials, inside the store). */
  secret: string;
  /** `sk-…a1b2` */
  masked: string;
  sources: CredentialSource[];
  /** For stored credentials. */
  label?: string;
  priority?: number;
  /** A minted credential: its fingerprint names the source, not a token, and `secret` is empty until the ladder asks
   * the minter for the token to send (routing/mint-step.ts). */
  minted?: MintedSource;
  /** The cloud region its provider's calls go to (Bedrock's, Vertex AI's): a throttle or a quota there rests it in
   * that region only (scoped-health.ts). */
  region?: string;
}

export type HealthState = 'ok' | 'cooling' | 'rejected';
export type CoolingReason = 'rate_limited' | 'quota' | 'auth_suspect';

/** Persisted per fingerprint. Times are epoch milliseconds. */
export interface HealthRecord {
  fingerprint: string;
  provider: string;
  state: HealthState;
  /** Set when state is `cooling`. */
  reason?: CoolingReason;
  /** End of the cooldown (cooling), or when the single probe of a `rejected` key is next allowed. */
  until?: number;
  /** Cooling `auth_suspect`: when the next single probe is allowed, for a route with no other usable key (a key
   * that answers again does not sit out the whole cooldown). */
  probe_at?: number;
  last_success_at?: number;
  last_failure_at?: number;
  last_failure_kind?: ErrorKind;
  last_failure_message?: string;
  successes: number;
  failures: number;
  uses: number;
  /** Wall-clock time of the last change; later writes win when two processes disagree. */
  updated_at: number;
  /** Time (`at`) of the write that last set state/reason/until: a state write older than this one loses, so an
   * `auth reset` wins over failures recorded before it, but not over failures recorded after it. */
  state_at?: number;
}

/** What the routing ladder reports after an attempt fails. */
export type FailureReport =
  | { kind: 'rate_limited' | 'quota'; resetAt?: number; message?: string }
  | { kind: 'auth_rejected'; message?: string }
  | { kind: 'auth_suspect'; message?: string }
  /** A known-good key rejected again with no success since it was first suspected: probably revoked. */
  | { kind: 'auth_revoked'; message?: string };

/** What a rejection (401/403) means, from the key's health just before; what each leads to is in
 * docs/credentials.md#health. `revoked`: it worked once, but not since it was suspected or set aside. */
export type AuthVerdict = 'never_accepted' | 'known_good' | 'suspect_probe' | 'revoked';

/** A candidate credential with its health, as shown by `auth explain` and in "all unusable" errors. */
export interface CandidateStatus {
  credential: Omit<Credential, 'secret'>;
  health: HealthRecord;
  usable: boolean;
  /** Why it is not usable: `rate_limited until 10:32:10`, `rejected (never accepted); next probe at 10:32:10`, …;
   * `whyParts` the same as its parts (KeyWhy in health.ts), for a line that joins them otherwise. */
  why?: string;
  whyParts?: readonly string[];
  /** Its state is its region's (a throttle or quota there, scoped-health.ts), not the credential's own. */
  region?: string;
}

export type PickResult =
  | {
      ok: true;
      credential: Credential;
      /** Earlier candidates that were skipped, with why. Empty when the first credential is used. */
      skipped: CandidateStatus[];
      /** True when this pick is a single probe of a `rejected` key whose probe window has come. */
      probe: boolean;
    }
  /** `withheld`: stored keys not sent to the host the config names (src/credentials/host-binding.ts); they are also
   * described at the end of `lookedIn`, which is what the "no API key" message is built from. */
  | { ok: false; reason: 'missing'; provider: string; lookedIn: string[]; withheld?: readonly WithheldKey[] }
  | { ok: false; reason: 'all_unusable'; provider: string; candidates: CandidateStatus[]; earliestUntil?: number };

/** Where the keys of a call go: the origin, the setting that names it, and where that setting was written. */
export interface KeyTarget {
  origin: string;
  /** `providers.openai.base_url`, or a task's own `auxiliary.title_generation.base_url`. */
  setting: string;
  /** `/home/me/repo/switchyard.yaml:4`, `env OPENAI_BASE (/home/me/repo/switchyard.yaml:4)`. */
  writtenAt: string;
}

/** A stored key that is not sent, and why. Never carries the secret. */
export interface WithheldKey {
  provider: string;
  id: string;
  masked: string;
  label?: string;
  /** The origin it was added (or bound) for; absent for a key stored before origins were recorded. */
  added_for?: string;
  /** Where the config sends the provider's keys, and where that is written. */
  target: KeyTarget;
  /** Why it is not sent, naming both hosts and the config file (the fix: rebindHint). */
  why: string;
  /** The fix, when it is not `auth rebind` (the key's host is right, the way there is not). */
  fix?: string;
}
