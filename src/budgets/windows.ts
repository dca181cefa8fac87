// Budget windows are calendar windows in UTC: a minute, hour or day from its start, a week from Monday 00:00, a month
// from the 1st 00:00. A counter belongs to one window and is never carried into the next (docs/budgets.md).
import type { BudgetWindow } from '../config/budgets-schema.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface WindowBounds {
  /** Epoch ms of the window's first instant. */
  start: number;
  /** Epoch ms of the next window's start: when this one resets. */
  end: number;
}

export function windowBounds(window: BudgetWindow, now: number): WindowBounds {
  switch (window) {
    case 'minute':
      return fixed(now, MINUTE);
    case 'hour':
      return fixed(now, HOUR);
    case 'day':
      return fixed(now, DAY);
    case 'week': {
      // 1970-01-01 was a Thursday: Monday-aligned weeks start 3 days after multiples of 7 days.
      const offset = 4 * DAY;
      const start = Math.floor((now - offset) / (7 * DAY)) * 7 * DAY + offset;
      return { start, end: start + 7 * DAY };
    }
    case 'month': {
      const d = new Date(now);
      const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      return { start, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    }
  }
}

function fixed(now: number, length: number): WindowBounds {
  const start = Math.floor(now / length) * length;
  return { start, end: start + length };
}

/** A limit over a short window is a rate (a client should wait and retry); over a day or longer it is a spend. */
export function isRateWindow(window: BudgetWindow): boolean {
  return window === 'minute' || window === 'hour';
}
