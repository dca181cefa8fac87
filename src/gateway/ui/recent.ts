// The last few hundred requests that failed or needed more than one attempt, with their whole trail and the
// explanation the caller was told: the ledger keeps each attempt's charge, not why it failed, so the Requests view
// reads the why here while it is recent. Bounded; a request that went through on its first try costs one check.
import type { RequestRecord } from '../records/request-record.ts';
import { explanationView, routeLineView, type ExplanationView, type RouteLineView } from './advice-view.ts';

/** What the ring reads of a request's record. */
export type FinishedRequest = Pick<RequestRecord, 'id' | 'outcome' | 'error' | 'explained' | 'trail' | 'failures'>;

export interface RecentAttempt {
  route: string;
  key?: string;
  outcome: string;
  status?: number;
  latency_ms: number;
  wait_ms: number;
  message?: string;
  note?: string;
}

export interface RecentTrail {
  id: string;
  outcome: string;
  /** What the caller was told (scrubbed like every message the gateway writes). */
  error?: string;
  /** The lead failure's explanation as the dashboard renders it (advice-view.ts), when the router made one. */
  explained?: ExplanationView;
  /** A line per route the call failed on, in the order tried (with `explained`: the lead's advice follows them). */
  routes?: RouteLineView[];
  attempts: RecentAttempt[];
}

export class RecentTrails {
  readonly #max: number;
  readonly #byId = new Map<string, RecentTrail>();

  constructor(max = 500) {
    this.#max = max;
  }

  /** The dashboard's reader of request records: keeps one when there is something to explain. */
  remember(s: FinishedRequest): void {
    const trail = s.trail;
    if (trail === undefined || (s.outcome === 'ok' && trail.length <= 1)) return;
    const kept: RecentTrail = {
      id: s.id,
      outcome: s.outcome,
      attempts: trail.map((a) => {
        const r: RecentAttempt = { route: a.route, outcome: a.outcome, latency_ms: a.latency_ms, wait_ms: a.wait_ms };
        if (a.credential) r.key = a.credential.masked;
        if (a.status !== undefined) r.status = a.status;
        if (a.message !== undefined) r.message = a.message;
        if (a.note !== undefined) r.note = a.note;
        return r;
      }),
    };
    if (s.error !== undefined) kept.error = s.error;
    if (s.explained !== undefined) kept.explained = explanationView(s.explained);
    if (s.failures !== undefined && s.failures.length > 0) kept.routes = s.failures.map(routeLineView);
    this.#byId.delete(s.id);
    this.#byId.set(s.id, kept);
    if (this.#byId.size > this.#max) this.#byId.delete(this.#byId.keys().next().value!);
  }

  get(id: string): RecentTrail | undefined {
    return this.#byId.get(id);
  }
}
