// The human table of `auth list` / `auth explain`: one row per candidate, masked keys only.
import { formatClock } from '../errors/explain-format.ts';
import { sourcesText } from './describe.ts';
import { effectiveHealth } from './health.ts';
import type { ExplainedCandidate, ProviderExplanation } from './key-report.ts';
import { describeWithheld, rebindHint, type WithheldKey } from './host-binding.ts';

export const CANDIDATE_HEADER = ['', '#', 'ID', 'KEY', 'SOURCES', 'STATE', 'UNTIL', 'LAST SUCCESS'];

function stateText(c: ExplainedCandidate, now: number): string {
  const e = effectiveHealth(c.health, now);
  if (e.state === 'cooling')
    return `cooling: ${e.reason}${c.region !== undefined ? ` in ${c.region}` : ''}${c.next ? ' (probe due)' : ''}`;
  if (e.state === 'rejected') return c.usable ? 'rejected (probe due)' : 'rejected';
  return e.ended ? 'ok (cooldown over)' : 'ok';
}

/** The cooldown's end; for a key resting as auth suspect, also its next single probe when that comes first (the time
 * `auth explain` says it comes back). */
function untilText(c: ExplainedCandidate, now: number): string {
  const { until, probe_at: probeAt, reason } = c.health;
  if (c.usable || until === undefined || until <= now) return '-';
  const end = formatClock(until, { now, seconds: true });
  if (reason !== 'auth_suspect' || probeAt === undefined || probeAt >= until) return end;
  return `${end} (probe ${probeAt <= now ? 'due' : formatClock(probeAt, { now, seconds: true })})`;
}

export function candidateRows(e: ProviderExplanation, now: number, withProvider = false): string[][] {
  return e.candidates.map((c) => {
    const row = candidateRow(c, now);
    return withProvider ? [e.provider, ...row] : row;
  });
}

/** A row under CANDIDATE_HEADER (after `offset` leading cells) whose health this process could not read: STATE
 * unknown, no UNTIL, LAST SUCCESS unknown — never the "ok … never" of an empty local view. */
export function healthUnknown(row: readonly string[], offset = 0): string[] {
  const out = [...row];
  out[offset + 5] = 'unknown';
  out[offset + 6] = '-';
  out[offset + 7] = '?';
  return out;
}

/** One row under CANDIDATE_HEADER; `sources` replaces the SOURCES cell (a task's key says which task and slot). */
export function candidateRow(
  c: ExplainedCandidate,
  now: number,
  sources = sourcesText(c.credential.sources),
): string[] {
  return [
    c.next ? '→' : '',
    c.position > 0 ? String(c.position) : '-',
    c.credential.fingerprint,
    c.credential.masked,
    sources,
    stateText(c, now),
    untilText(c, now),
    c.health.last_success_at !== undefined ? formatClock(c.health.last_success_at, { now, seconds: true }) : 'never',
  ];
}

/** A stored key held back for another host (host-binding.ts), under CANDIDATE_HEADER: no position, never next. */
export function withheldRow(w: WithheldKey): string[] {
  return [
    '',
    '-',
    w.id,
    w.masked,
    w.label !== undefined ? `stored "${w.label}"` : `stored ${w.id}`,
    `held back: added for ${w.added_for ?? 'an unrecorded host'}`,
    '-',
    '-',
  ];
}

/** The line under the table that says why, and how to send it anyway. */
export function withheldLine(w: WithheldKey): string {
  return `${w.provider} ${describeWithheld(w)} is held back: ${w.why}; ${rebindHint(w)}, or store a key for ${w.target.origin} with \`switchyard auth add ${w.provider}\``;
}
