// `--since` and `?since=`: how far back a usage report reaches, as a duration back from now (`7d`, `24h`, `90m`) or
// a date or time (`2026-11-01`, `2026-11-01T12:00:00Z`).
import { parseDuration } from '../config/duration.ts';
import { UserError } from '../user-error.ts';

export function parseSince(text: string, now: number, what = '--since'): number {
  const t = text.trim();
  const days = /^(\d+(?:\.\d+)?)\s*([dw])$/.exec(t);
  if (days) return now - Number(days[1]) * (days[2] === 'w' ? 7 : 1) * 86_400_000;
  const ms = /^\d/.test(t) && !/^\d{4}-/.test(t) ? parseDuration(t) : undefined;
  if (ms !== undefined) return now - ms;
  const at = Date.parse(t);
  if (/^\d{4}-\d{2}-\d{2}/.test(t) && Number.isFinite(at)) return at;
  throw new UserError(
    `${what}: expected a duration back from now (7d, 24h, 90m, 2w) or a date (2026-11-01, 2026-11-01T12:00:00Z), got ${JSON.stringify(text)}`,
  );
}
