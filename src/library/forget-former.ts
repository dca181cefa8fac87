// Forgets the health of credentials the config no longer knows, once unchanged for a month with no cooldown running;
// the month keeps a briefly swapped-out key from coming back blind (docs/credentials.md#where-state-lives).
import type { HealthRecord } from '../credentials/types.ts';
import type { Switchyard } from './switchyard.ts';
import { taskKeys } from '../credentials/task-keys.ts';

export const FORGET_AFTER_MS = 30 * 24 * 3600 * 1000;

/** The records to forget: unknown to the config, unchanged for `forgetAfterMs`, no cooldown running. */
export function formerHealth(
  records: readonly HealthRecord[],
  known: ReadonlySet<string>,
  now: number,
  forgetAfterMs = FORGET_AFTER_MS,
): string[] {
  return records
    .filter(
      (r) =>
        !known.has(r.fingerprint) && r.updated_at < now - forgetAfterMs && (r.until === undefined || r.until < now),
    )
    .map((r) => r.fingerprint);
}

/** Every credential the router's config can use or holds back: each provider's candidates and withheld stored keys,
 * and the tasks' own `api_key`s. */
export function knownFingerprints(router: Switchyard): Set<string> {
  const known = new Set<string>();
  for (const provider of Object.keys(router.config().config.providers)) {
    for (const c of router.pool.candidates(provider)) known.add(c.credential.fingerprint);
    // A stored key held back for another host is still the user's: its history waits for a rebind.
    for (const w of router.pool.withheld(provider)) known.add(w.id);
  }
  // Read from the config, not from each task's plan: a plan can be refused (no `main:` route), and that must not
  // stop the forgetting with a warning that says nothing about keys.
  for (const key of taskKeys(router.config())) known.add(key.credential.fingerprint);
  return known;
}

/** Forgets former credentials' health; returns how many records were forgotten. */
export function forgetFormerHealth(router: Switchyard, now: number = Date.now()): number {
  const former = formerHealth(router.store.allHealth(), knownFingerprints(router), now);
  return former.length === 0 ? 0 : router.store.forgetHealth(former, now - FORGET_AFTER_MS).length;
}
