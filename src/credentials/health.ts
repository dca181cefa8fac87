// The health table of docs/credentials.md#health as code: pure functions from an event to a HealthPatch, and from a
// record to whether the key can be used. The store merges patches; these decide what each event means.
import type { Cooldowns } from '../config/schema.ts';
import type { HealthPatch } from '../state/types.ts';
import { formatClock } from '../errors/explain-format.ts';
import type { AuthVerdict, CoolingReason, FailureReport, HealthRecord, HealthState } from './types.ts';
import type { ErrorKind } from '../errors/kinds.ts';

/** Per cooling reason: its cooldown, whether a server's reset time wins, and whether one request probes first when it
 * is over (auth_suspect has its own probes). `text` and `brief` name it for people. */
export const COOLING_RULES: Record<
  CoolingReason,
  { cooldown: keyof Cooldowns; honoursServerReset: boolean; probeWhenOver: boolean; text: string; brief: string }
> = {
  rate_limited: {
    cooldown: 'rate_limited',
    honoursServerReset: true,
    probeWhenOver: true,
    text: 'rate-limited',
    brief: 'rate-limited',
  },
  quota: {
    cooldown: 'quota',
    honoursServerReset: true,
    probeWhenOver: true,
    text: 'out of quota',
    brief: 'out of quota',
  },
  auth_suspect: {
    cooldown: 'auth_suspect',
    honoursServerReset: false,
    probeWhenOver: false,
    text: 'auth suspect (a known-good key kept being rejected)',
    brief: 'auth suspect',
  },
};

/** A server "reset now" still cools the key briefly, so the next request does not walk straight into a 429. */
const MIN_SERVER_COOLDOWN_MS = 1_000;

export function isKnownGood(record: HealthRecord | undefined): boolean {
  return record?.last_success_at !== undefined;
}

/** How often a resting `auth_suspect` key is probed when nothing else can answer: a working key that met a burst of
 * 401s is back in seconds, a dead one costs a request per interval (docs/credentials.md#health). */
export function suspectProbeInterval(cooldowns: Cooldowns): number {
  return Math.min(30_000, cooldowns.auth_suspect / 10);
}

/** The first single probe of a key rejected on its first use comes this soon after: one transient 401 on a key that
 * works must not bench it for an hour (docs/credentials.md#health). */
export const FIRST_REJECTED_PROBE_MS = 30_000;

/** How long a `rejected` key rests before it is tried again. A never-accepted key: 30 s after its first rejection,
 * then twice the last wait each time it is tried again, up to `cooldowns.rejected`. A revoked key (it worked, then
 * stayed rejected through its retries and suspicion): `cooldowns.rejected` at once. It is tried again when its single
 * probe is taken (`probing`: the router's pick), or when it is sent once its wait is over (an MCP server's key, which
 * takes no probe); a rejection while the wait still runs (a call sent before it) keeps the wait. */
export function rejectedWindow(
  record: HealthRecord | undefined,
  cooldowns: Cooldowns,
  now: number,
  probing = false,
): number {
  if (isKnownGood(record)) return cooldowns.rejected;
  const first = Math.min(FIRST_REJECTED_PROBE_MS, cooldowns.rejected);
  if (record?.state !== 'rejected' || record.until === undefined) return first;
  // The current wait is the record's own: written with its state, so every process reads the same one.
  const current = record.until - (record.state_at ?? 0);
  if (current <= 0) return first;
  const triedAgain = probing || record.until <= now;
  return Math.min(cooldowns.rejected, Math.max(first, triedAgain ? current * 2 : current));
}

/** What a rejection (401/403) of a key means, from its health just before it (AuthVerdict in types.ts). */
export function authVerdict(record: HealthRecord | undefined, now: number): AuthVerdict {
  const lastSuccessAt = record?.last_success_at;
  if (record === undefined || lastSuccessAt === undefined) return 'never_accepted';
  if (record.state === 'rejected') return 'revoked';
  if (record.state !== 'cooling' || record.reason !== 'auth_suspect') return 'known_good';
  if (record.until !== undefined && record.until > now) return 'suspect_probe';
  // A success makes a key ok, so a suspicion still on record means none came since — unless a call sent before the
  // suspicion answered after it (its success is older than the suspicion and did not lift it).
  return lastSuccessAt < (record.state_at ?? 0) ? 'revoked' : 'known_good';
}

/** When a key's current troubles began: the moment it was set aside as `auth_suspect`, if it is. */
export function suspectSince(record: HealthRecord | undefined): number | undefined {
  return record?.state === 'cooling' && record.reason === 'auth_suspect' ? record.state_at : undefined;
}

function failureFields(report: FailureReport, now: number, provider: string): HealthPatch {
  const patch: HealthPatch = { provider, at: now, add_failures: 1, last_failure_at: now };
  patch.last_failure_kind =
    report.kind === 'auth_suspect' || report.kind === 'auth_revoked' ? 'auth_rejected' : report.kind;
  if (report.message !== undefined) patch.last_failure_message = report.message;
  return patch;
}

function coolingDeadline(reason: CoolingReason, report: FailureReport, cooldowns: Cooldowns, now: number): number {
  const rule = COOLING_RULES[reason];
  const resetAt = 'resetAt' in report ? report.resetAt : undefined;
  if (rule.honoursServerReset && resetAt !== undefined) return Math.max(resetAt, now + MIN_SERVER_COOLDOWN_MS);
  return now + cooldowns[rule.cooldown];
}

/** What a failed attempt does to a credential (docs/credentials.md#health). A known-good key's rejection is only
 * counted: the ladder retries it, so one transient 401 does not bench a working key. */
export function failurePatch(
  record: HealthRecord | undefined,
  report: FailureReport,
  cooldowns: Cooldowns,
  now: number,
  provider: string,
): HealthPatch {
  const patch = failureFields(report, now, provider);
  if (report.kind === 'auth_rejected' || report.kind === 'auth_revoked') {
    if (report.kind === 'auth_rejected' && isKnownGood(record)) return patch;
    return { ...patch, state: 'rejected', reason: null, until: now + rejectedWindow(record, cooldowns, now) };
  }
  const reason: CoolingReason = report.kind;
  const until = coolingDeadline(reason, report, cooldowns, now);
  const current =
    record?.state === 'cooling' && record.until !== undefined && record.until > until ? record : undefined;
  // A new cooldown never shortens an existing one: the later deadline (and its reason) stands.
  const cooling: HealthPatch = {
    ...patch,
    state: 'cooling',
    reason: current?.reason ?? reason,
    until: current?.until ?? until,
  };
  return reason === 'auth_suspect' ? { ...cooling, probe_at: now + suspectProbeInterval(cooldowns) } : cooling;
}

/** A success makes any credential ok and known-good, as of `startedAt`, when its call was sent: a cooldown recorded
 * while it was in flight stands. */
export function successPatch(provider: string, now: number, startedAt = now): HealthPatch {
  return {
    provider,
    at: Math.min(startedAt, now),
    state: 'ok',
    reason: null,
    until: null,
    last_success_at: now,
    add_successes: 1,
  };
}

/** A key proved by a live probe that records nothing else (`auth test`, `doctor` without --record): known-good from
 * now, so a transient 401 on its first request is retried (AUTH_RULES known_good), its state and counters untouched. */
export function knownGoodPatch(provider: string, now: number): HealthPatch {
  return { provider, at: now, last_success_at: now };
}

/** A failure that sets nothing aside, only counted and remembered: a stream that went silent after it had started
 * (`streaming.idle_timeout`), which the ladder retries as any timeout, so its key keeps its state. */
export function countedFailurePatch(provider: string, now: number, kind: ErrorKind, message: string): HealthPatch {
  return {
    provider,
    at: now,
    add_failures: 1,
    last_failure_at: now,
    last_failure_kind: kind,
    last_failure_message: message,
  };
}

export function usePatch(provider: string, now: number): HealthPatch {
  return { provider, at: now, add_uses: 1 };
}

/** Taking a single probe moves the next one a full window away, so only one caller probes; its answer ends the wait
 * for everyone. A cooled-down key's state is written again so the mark is dated after its cooldown (probeOut). */
export function probePatch(
  record: HealthRecord | undefined,
  provider: string,
  cooldowns: Cooldowns,
  now: number,
): HealthPatch {
  if (record?.state === 'cooling') {
    if ((record.until ?? 0) > now || !COOLING_RULES[record.reason ?? 'rate_limited'].probeWhenOver)
      return { provider, at: now, probe_at: now + suspectProbeInterval(cooldowns) };
    const window = cooldowns[COOLING_RULES[record.reason ?? 'rate_limited'].cooldown];
    return { provider, at: now, state: 'cooling', probe_at: now + window };
  }
  return { provider, at: now, state: 'rejected', until: now + rejectedWindow(record, cooldowns, now, true) };
}

/** How soon a caller that found a key's single probe out looks again, when it may wait for the key (its answer
 * usually comes well within a second or two: the wait stops as soon as it has come). */
export const PROBE_RECHECK_MS = 200;

export interface Usability {
  /** May be picked as usual. */
  usable: boolean;
  /** Picking it would be a single probe: of a rejected key whose probe window has come (usable: picked in its turn),
   * or of a key resting as auth_suspect whose probe is due (not usable: picked only when no key of the route is). */
  probe: boolean;
  /** Why it is set aside, or why its probe is due (KeyWhy): said whole, and as its parts. */
  why?: string;
  whyParts?: readonly string[];
  /** When it becomes usable again (cooling) or may next be probed (rejected). */
  until?: number;
  /** Cooling only: when it may next be sent alone (its cooldown's end, or a suspect key's earlier probe), which is
   * what a gateway's Retry-After counts. */
  back?: number;
}

const REJECTED_TEXT = {
  rejected: 'rejected (never accepted)',
  revoked: 'rejected (worked before; probably revoked)',
} as const;

/** Why a key is set aside, as its parts (`rejected (never accepted)`, `next probe at 10:32:10`) and as they read
 * joined with `; `. A line naming several keys joins each one's parts with `, ` instead, so the keys stay apart
 * (routing/skip-reasons.ts, sessions/fallback-note.ts). */
export interface KeyWhy {
  why: string;
  whyParts: readonly string[];
}

export function keyWhy(...parts: string[]): KeyWhy {
  return { why: parts.join('; '), whyParts: parts };
}

/** A key's parts of why it is set aside (KeyWhy): its `why` as the one part when it has no parts, `unusable` when
 * nothing was said. */
export function whyPartsOf(k: { why?: string; whyParts?: readonly string[] }): readonly string[] {
  return k.whyParts ?? [k.why ?? 'unusable'];
}

/** Why a key is set aside and until when (`rate-limited until 10:32:10`), as its parts; `revoked`: a key that worked
 * once and is rejected since (see authVerdict). */
function restingParts(reason: CoolingReason | 'rejected' | 'revoked', until: number, now?: number): string[] {
  const at = formatClock(until, { seconds: true, ...(now !== undefined ? { now } : {}) });
  if (reason === 'rejected' || reason === 'revoked') return [REJECTED_TEXT[reason], `next probe at ${at}`];
  return [`${COOLING_RULES[reason].text} until ${at}`];
}

/** restingParts as one line. */
export function restingText(reason: CoolingReason | 'rejected' | 'revoked', until: number, now?: number): string {
  return keyWhy(...restingParts(reason, until, now)).why;
}

/** Why a key had been set aside, in a few words, for the line saying it answers again. */
export function restedText(reason: CoolingReason | 'rejected' | 'revoked'): string {
  return reason === 'rejected' || reason === 'revoked' ? 'rejected' : COOLING_RULES[reason].brief;
}

/** See Usability.back: a suspect key's probe, when it comes before the end of its cooldown, brings it back first. */
function backAt(record: HealthRecord, until: number, now: number): number {
  const probeAt = record.reason === 'auth_suspect' ? record.probe_at : undefined;
  return probeAt !== undefined && probeAt < until ? Math.max(probeAt, now) : until;
}

/** A record as it stands at `now`, for what shows a key's state. Nothing is written when a cooldown ends, so one that
 * has run out is shown here as `ok`, with `ended` saying which. */
export interface EffectiveHealth {
  state: HealthState;
  /** A cooldown still running: its reason and end. */
  reason?: CoolingReason;
  /** Cooling: the end of the cooldown. Rejected: when its single probe may go (past: it is due). */
  until?: number;
  /** State `ok` because a cooldown ran out: which, and when it ended (absent when the record has no end). */
  ended?: { reason: CoolingReason; until?: number };
}

export function effectiveHealth(record: HealthRecord | undefined, now: number): EffectiveHealth {
  if (!record || record.state === 'ok') return { state: 'ok' };
  const until = record.until;
  if (record.state === 'rejected') return until !== undefined ? { state: 'rejected', until } : { state: 'rejected' };
  const reason = record.reason ?? 'rate_limited';
  if (until !== undefined && until > now) return { state: 'cooling', reason, until };
  return { state: 'ok', ended: until !== undefined ? { reason, until } : { reason } };
}

/** A probe taken after the cooldown ended (probePatch) whose answer has not been recorded: its window still runs, and
 * no state was written since it was taken (the answer writes one: ok, or a new cooldown). */
function probeOut(record: HealthRecord, until: number, now: number): boolean {
  return record.probe_at !== undefined && record.probe_at > now && (record.state_at ?? 0) >= until;
}

/** A cooldown that is over lets one request through first, so a burst arriving at its end does not meet the limit
 * together. */
function cooledDown(record: HealthRecord, until: number, now: number): Usability {
  const rule = COOLING_RULES[record.reason ?? 'rate_limited'];
  if (!rule.probeWhenOver) return { usable: true, probe: false };
  if (!probeOut(record, until, now)) return { usable: true, probe: true };
  const why = keyWhy(
    `${rule.brief}${until > 0 ? ` until ${formatClock(until, { seconds: true, now })}` : ''}`,
    'its single probe is out, and it rests until the answer',
  );
  return { usable: false, probe: false, until: record.probe_at!, back: now + PROBE_RECHECK_MS, ...why };
}

export function usability(record: HealthRecord | undefined, now: number): Usability {
  if (!record || record.state === 'ok') return { usable: true, probe: false };
  const until = record.until;
  if (record.state === 'cooling') {
    if (until === undefined || until <= now) return cooledDown(record, until ?? 0, now);
    const probe = record.reason === 'auth_suspect' && (record.probe_at ?? 0) <= now;
    return {
      usable: false,
      probe,
      until,
      back: backAt(record, until, now),
      ...keyWhy(...restingParts(record.reason ?? 'rate_limited', until, now)),
    };
  }
  const rejected = isKnownGood(record) ? 'revoked' : 'rejected';
  if (until === undefined || until <= now)
    return { usable: true, probe: true, ...keyWhy(REJECTED_TEXT[rejected], 'one probe is due') };
  return { usable: false, probe: false, until, ...keyWhy(...restingParts(rejected, until, now)) };
}
