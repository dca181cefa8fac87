// Small formatting pieces shared by the explanations. formatClock is the one formatter of a moment for people, so a
// time reads the same everywhere.

export interface TimeFormat {
  /** IANA zone for clock times; the machine's zone by default (tests pass `UTC`). */
  timeZone?: string;
  /** Reference "now" (epoch ms): times on another day get their date. Defaults to Date.now(). */
  now?: number;
}

function parts(ms: number, timeZone: string | undefined, seconds: boolean): Record<string, string> {
  const fmt = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
    ...(timeZone ? { timeZone } : {}),
  });
  const out: Record<string, string> = {};
  for (const p of fmt.formatToParts(ms)) out[p.type] = p.value;
  return out;
}

/** Further from now than this, a clock time alone could be read as the one 24 h earlier or later: it gets its date
 * even on the same day (a key that last worked at 00:40 read at 23:50). */
export const CLOCK_ONLY_WITHIN_MS = 12 * 3_600_000;

/** `10:02` (or `10:32:10` with seconds); prefixed with the date (`2026-11-23 00:00:00`) when it is on another day than
 * `now`, or more than CLOCK_ONLY_WITHIN_MS away from it. */
export function formatClock(ms: number, options: TimeFormat & { seconds?: boolean } = {}): string {
  const seconds = options.seconds ?? false;
  const now = options.now ?? Date.now();
  const p = parts(ms, options.timeZone, seconds);
  const clock = `${p['hour']}:${p['minute']}${seconds ? `:${p['second']}` : ''}`;
  const today = parts(now, options.timeZone, false);
  const sameDay = p['year'] === today['year'] && p['month'] === today['month'] && p['day'] === today['day'];
  return sameDay && Math.abs(ms - now) <= CLOCK_ONLY_WITHIN_MS
    ? clock
    : `${p['year']}-${p['month']}-${p['day']} ${clock}`;
}

/** `30s`, `5m`, `1h 10m`: for timeouts and waits in messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
}

/** Upstream's status and message as one phrase (`HTTP 401: Invalid API Key`), or '' when there is neither. */
export function providerWords(status: number | undefined, providerMessage: string | undefined): string {
  const msg = providerMessage?.trim() ?? '';
  if (status === undefined) return msg;
  return msg ? `HTTP ${status}: ${msg}` : `HTTP ${status}`;
}

/** Upstream's message as a short quoted detail, or nothing. */
export function detail(status: number | undefined, providerMessage: string | undefined): string {
  const words = providerWords(status, providerMessage);
  return words ? ` (${words})` : '';
}
