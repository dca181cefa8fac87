// Duration settings as zod schemas: `250ms`, `30s`, `5m`, `1h` or bare milliseconds, normalised to milliseconds and
// bounded. Apart from schema.ts so that a section kept in a file of its own (streaming.ts) uses the same ones.
import { z } from 'zod';
import { formatDurationSetting, parseDuration } from './duration.ts';

/** Every duration schema, so that schema-walk can tell a duration leaf from a plain number (`config show` prints
 * `1m`, not 60000). */
export const DURATION_SCHEMAS = new Set<z.ZodType>();

export const HOUR = 3_600_000;
/** Longest cooldown: a key parked for more than a year is better removed, and a larger value soon stops being a
 * date at all (`auth list` showed NaN-NaN-NaN for 999999999999999999999). */
export const MAX_COOLDOWN_MS = 8760 * HOUR;
/** Longest timeout: a call that has not answered within a day will not; Node timers also misfire past ~24.8 days. */
export const MAX_TIMEOUT_MS = 24 * HOUR;
/** Longest retry delay or wait: a retry an hour later is not a retry of the same request any more. */
export const MAX_DELAY_MS = HOUR;

export interface DurationBounds {
  /** Largest value accepted, in milliseconds. */
  max: number;
  /** 0 is refused (a timeout of 0 fails every call). */
  positive?: boolean;
}

/** A duration (`250ms`, `30s`, `5m`, `1h` or bare milliseconds) normalised to milliseconds, within `bounds`. */
export function durationSchema(
  bounds: DurationBounds,
  example = '250ms, 30s, 5m or 1h',
): z.ZodType<number, string | number> {
  const schema = z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like ${example}, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (bounds.positive && ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be longer than 0 (0 would fail every call at once), got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    if (ms > bounds.max) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${formatDurationSetting(bounds.max)}${describeMax(bounds.max)}, got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
  DURATION_SCHEMAS.add(schema);
  return schema;
}

function describeMax(ms: number): string {
  if (ms === MAX_COOLDOWN_MS) return ' (a year)';
  if (ms === MAX_TIMEOUT_MS) return ' (a day)';
  return '';
}
