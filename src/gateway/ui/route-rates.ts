// Success, rotation and fallback rates per route over the last hour, in one-minute buckets, counted from each
// request's record when it is over (its trail, the ladder's decisions, the route that answered) while this gateway
// runs. Bounded: 60 buckets per route seen. Each rate is a fraction of a whole it names: success and rotation of the
// attempts sent, fallback of the requests that left the route (answered there or sent on), so none can pass 100 % — a
// route skipped while its keys cool or its breaker is open sends nothing but still passes its requests on.
import type { Attempt, LadderDecision } from '../../calls/types.ts';

const MINUTE = 60_000;
const BUCKETS = 60;

interface Bucket {
  minute: number;
  /** Attempts sent upstream (not skipped, breaker-open, refused by a budget, or cut short by the caller). */
  attempts: number;
  ok: number;
  rotations: number;
  /** Requests the route answered. */
  answered: number;
  fallbacks: number;
}

export interface RouteSeries {
  route: string;
  /** Epoch seconds of each minute, oldest first. */
  minutes: number[];
  /** Per minute, fractions of the attempts sent on the route that minute (null: none sent). */
  success: (number | null)[];
  rotation: (number | null)[];
  /** Per minute, the fraction of the requests that left the route that minute (answered + fallen back) that fell
   * back (null: none left). */
  fallback: (number | null)[];
  attempts: number[];
  /** Requests that left the route each minute: the fallback rate's whole. */
  left: number[];
}

/** Attempts that say nothing of the route: never sent, or a pooled connection gone stale, sent again at once on a
 * fresh one (stale_connection). */
const NOT_COUNTED: ReadonlySet<Attempt['outcome']> = new Set([
  'skipped',
  'breaker_open',
  'budget',
  'cancelled',
  'stale_connection',
]);

export class RouteRates {
  readonly #routes = new Map<string, Bucket[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** A request (or a library call) is over: each attempt once as its trail holds it (a stream cut after it began is
   * one attempt that did not succeed), its rotations and fallbacks, and the routes that answered: the one it was
   * committed to, and the one a cut stream was resumed on. */
  recorded(
    trail: readonly Attempt[] | undefined,
    decisions: readonly LadderDecision[] | undefined,
    answered: string | undefined,
  ): void {
    // One reading of the clock for the whole record: each bucket it touches is this minute's.
    const minute = Math.floor(this.#now() / MINUTE);
    if (trail !== undefined)
      for (const a of trail) {
        if (NOT_COUNTED.has(a.outcome)) continue;
        const b = this.#bucket(a.route, minute);
        b.attempts += 1;
        if (a.outcome === 'ok') b.ok += 1;
        if (a.resumed_from !== undefined) b.answered += 1;
      }
    if (answered !== undefined) this.#bucket(answered, minute).answered += 1;
    if (decisions !== undefined)
      for (const d of decisions) {
        if (d.type === 'rotate') this.#bucket(d.route, minute).rotations += 1;
        else if (d.type === 'fallback') this.#bucket(d.from, minute).fallbacks += 1;
      }
  }

  #bucket(route: string, minute: number): Bucket {
    let list = this.#routes.get(route);
    if (list === undefined) this.#routes.set(route, (list = []));
    let last = list.at(-1);
    if (last?.minute !== minute) {
      last = { minute, attempts: 0, ok: 0, rotations: 0, answered: 0, fallbacks: 0 };
      list.push(last);
      while (list.length > 0 && list[0]!.minute <= minute - BUCKETS) list.shift();
    }
    return last;
  }

  /** Every route with attempts in the last hour, minute by minute. */
  series(): RouteSeries[] {
    const current = Math.floor(this.#now() / MINUTE);
    const out: RouteSeries[] = [];
    for (const [route, list] of this.#routes) {
      const byMinute = new Map(list.map((b) => [b.minute, b]));
      if (!list.some((b) => b.minute > current - BUCKETS)) continue;
      const s: RouteSeries = { route, minutes: [], success: [], rotation: [], fallback: [], attempts: [], left: [] };
      for (let m = current - BUCKETS + 1; m <= current; m++) {
        const b = byMinute.get(m);
        s.minutes.push((m * MINUTE) / 1000);
        s.attempts.push(b?.attempts ?? 0);
        const n = b?.attempts ?? 0;
        s.success.push(n > 0 ? b!.ok / n : null);
        s.rotation.push(n > 0 ? b!.rotations / n : null);
        const left = (b?.answered ?? 0) + (b?.fallbacks ?? 0);
        s.left.push(left);
        s.fallback.push(left > 0 ? b!.fallbacks / left : null);
      }
      out.push(s);
    }
    return out.sort((a, b) => a.route.localeCompare(b.route));
  }
}
