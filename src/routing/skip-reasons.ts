// The short reason a route sent nothing, for its trail entry's `message` (and so the gateway's request log): which
// keys were set aside and until when, or what the provider's breaker is waiting for.
import type { CandidateStatus } from '../credentials/types.ts';
import { COOLING_RULES, whyPartsOf } from '../credentials/health.ts';
import { formatClock, type TimeFormat } from '../errors/explain-format.ts';
import type { BreakerState } from './breaker.ts';
import type { TrialsOut } from './trials-out.ts';

/** Keys named one by one, at most; a provider with dozens of keys gets a count for the rest. */
const LISTED_KEYS = 3;

/** `every key rate-limited until 12:00:05` when all rest for one reason, else each key and its state. A key whose
 * trial request is out says so: that is what the others wait for. */
export function unusableKeysReason(
  candidates: readonly CandidateStatus[],
  now: number,
  trials: TrialsOut,
  tf: TimeFormat = {},
): string {
  const state = (c: CandidateStatus): string => keyState(c, now, trials);
  const resting = candidates.every(
    (c) => c.health.state === 'cooling' && (c.health.until ?? 0) > now && !trials.has(c.credential.fingerprint),
  );
  if (resting && candidates.length > 1) {
    const reasons = new Set(candidates.map((c) => c.health.reason ?? 'rate_limited'));
    const [only] = reasons;
    const what = reasons.size === 1 && only !== undefined ? COOLING_RULES[only].brief : 'cooling';
    const untils = candidates.map((c) => c.health.until ?? now);
    const first = formatClock(Math.min(...untils), { seconds: true, now, ...tf });
    const same = untils.every((u) => u === untils[0]);
    return `every key ${what} ${same ? 'until' : 'and the first back at'} ${first}`;
  }
  const listed = candidates.slice(0, LISTED_KEYS).map((c) => `${c.credential.masked} ${state(c)}`);
  const more = candidates.length - listed.length;
  return [...listed, ...(more > 0 ? [`${more} more`] : [])].join('; ');
}

/** One key's state, its parts joined with `, ` so the keys stay apart in the reason joined with `; `. A trial request is out
 * when this process sent it (`trials`), or when the health record says a cooled-down key's is (another process's). */
function keyState(c: CandidateStatus, now: number, trials: TrialsOut): string {
  const h = c.health;
  const cooledDownTrial = h.state === 'cooling' && (h.until ?? 0) <= now && !c.usable;
  if (cooledDownTrial || (trials.has(c.credential.fingerprint) && h.state !== 'ok')) {
    const what = h.state === 'rejected' ? 'rejected' : COOLING_RULES[h.reason ?? 'rate_limited'].brief;
    return `${what}: its trial request is in flight`;
  }
  return whyPartsOf(c).join(', ');
}

/** Why the breaker let nothing through: half-open with its single trial request out, or open until the trial may go. */
export function breakerReason(
  state: BreakerState,
  reopensAt: number | undefined,
  now: number,
  tf: TimeFormat = {},
): string {
  if (state === 'half_open') return 'breaker half-open: its trial request is in flight';
  if (reopensAt === undefined) return 'breaker open';
  return `breaker open until ${formatClock(reopensAt, { seconds: true, now, ...tf })}, then one trial request`;
}
