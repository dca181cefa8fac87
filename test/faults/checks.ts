// Issue 40's "Done when" criteria as a table: each check reads a case's figures and says whether they meet it, and
// with which numbers. A case passes when every check it names does.
import { FAILOVER_RECOVERY_MS, FLUSH_INTERVAL_MS, STORE_WAIT_BOUND_MS, type CheckName } from './cases.ts';
import { PRESENCE_TTL_MS } from '../../src/state/redis/replicas.ts';
import { spendMatches, type Figures } from './measure.ts';

export interface Verdict {
  check: CheckName;
  ok: boolean;
  detail: string;
}

/** How the cut's in-flight figure was found: the holds in Redis, counted, or the client's view. */
function inFlightSaid(f: Figures): string {
  return f.cutHeld === undefined ? '(as clients saw it) ' : `(${f.cutHeld} held in Redis) `;
}

const CHECKS: Record<CheckName, (f: Figures) => Omit<Verdict, 'check'>> = {
  alive: (f) => ({
    ok: f.lost === 0,
    detail: f.lost === 0 ? 'every replica alive' : `${f.lost} lost (${f.lostWhy.join('; ')})`,
  }),
  'within-caps': (f) => {
    const n = f.spec.replicas;
    const usdOver = f.received.usd - f.caps.usd;
    const tokOver = f.received.tokens - f.caps.tokens;
    return {
      ok: usdOver <= n * f.perRequest.usd + 1e-9 && tokOver <= n * f.perRequest.tokens,
      detail:
        `received $${f.received.usd.toFixed(2)} on a $${f.caps.usd} cap (allowed over: ${n} × $${f.perRequest.usd.toFixed(4)}), ` +
        `${f.received.tokens} tokens on ${f.caps.tokens} (allowed over: ${n} × ${f.perRequest.tokens})`,
    };
  },
  'within-caps-and-cut-share': (f) => {
    const n = f.spec.replicas;
    const at = f.receivedBeforeFault ?? { usd: 0, tokens: 0 };
    // The share the cut replica states (`held_locally_cap`), from its own last read; else what clients had not yet
    // received at the cut, divided among the replicas.
    const share = f.cutShare ?? {
      usd: Math.max(0, f.caps.usd - at.usd) / n,
      tokens: Math.max(0, f.caps.tokens - at.tokens) / n,
    };
    const flight = f.cutInFlight ?? { usd: 0, tokens: 0 };
    const allowed = {
      usd: share.usd + flight.usd + n * f.perRequest.usd,
      tokens: share.tokens + flight.tokens + n * f.perRequest.tokens,
    };
    return {
      ok: f.received.usd - f.caps.usd <= allowed.usd + 1e-9 && f.received.tokens - f.caps.tokens <= allowed.tokens,
      detail:
        `received $${f.received.usd.toFixed(2)} on a $${f.caps.usd} cap (allowed over: the cut replica's share ` +
        `$${share.usd.toFixed(2)} + in flight at the cut ${inFlightSaid(f)}$${flight.usd.toFixed(2)} + ${n} × ` +
        `$${f.perRequest.usd.toFixed(4)}), ${f.received.tokens} tokens on ${f.caps.tokens} (allowed over: ` +
        `${share.tokens.toFixed(0)} + ${flight.tokens} + ${n} × ${f.perRequest.tokens})`,
    };
  },
  'within-caps-and-unsettled': (f) => {
    if (f.counter === undefined) return { ok: false, detail: 'no replica answered /admin/budgets after the kill' };
    const n = f.spec.replicas;
    const unsettled = {
      usd: Math.max(0, f.received.usd - f.counter.usd),
      tokens: Math.max(0, f.received.tokens - f.counter.tokens),
    };
    const ok =
      f.received.usd - f.caps.usd <= unsettled.usd + n * f.perRequest.usd + 1e-9 &&
      f.received.tokens - f.caps.tokens <= unsettled.tokens + n * f.perRequest.tokens;
    return {
      ok,
      detail:
        `received $${f.received.usd.toFixed(2)} on a $${f.caps.usd} cap (allowed over: served by the killed ` +
        `replica and never settled $${unsettled.usd.toFixed(2)} + ${n} × $${f.perRequest.usd.toFixed(4)}), ` +
        `${f.received.tokens} tokens on ${f.caps.tokens} (allowed over: ${unsettled.tokens} + ${n} × ` +
        `${f.perRequest.tokens})`,
    };
  },
  'counter-equals-received': (f) => {
    if (f.counter === undefined || f.heldLeft === undefined)
      return { ok: false, detail: 'no replica answered /admin/budgets after recovery' };
    const ok = spendMatches(f.counter, f.received, f.served) && f.heldLeft.usd === 0 && f.heldLeft.tokens === 0;
    return {
      ok,
      detail:
        `counter $${f.counter.usd.toFixed(4)} / ${f.counter.tokens} tokens, clients received $${f.received.usd.toFixed(4)} / ${f.received.tokens}; ` +
        `still held $${f.heldLeft.usd.toFixed(4)} / ${f.heldLeft.tokens} tokens`,
    };
  },
  'store-wait-bounded': (f) => {
    const added = f.faultMaxMs - f.baselineP99Ms;
    return {
      ok: added <= STORE_WAIT_BOUND_MS,
      detail: `slowest request during the fault ${f.faultMaxMs} ms, p99 before ${f.baselineP99Ms} ms: +${added} ms (bound ${STORE_WAIT_BOUND_MS} ms)`,
    };
  },
  'rows-equal-answers': (f) => ({
    ok: f.rows === f.answers && f.ledgerTokens === f.billedTokens,
    detail: `ledger ${f.rows} rows / ${f.ledgerTokens} tokens; ${f.answers} answers; simulator billed ${f.billedTokens} tokens`,
  }),
  'kill-loses-one-flush': (f) => {
    // The killed replica's answers matched to the ledger's rows by request id.
    const lostRows = f.killLost ?? f.answers - (f.rows ?? 0);
    const allowed = Math.ceil(((f.killedRate ?? 0) * FLUSH_INTERVAL_MS) / 1000);
    const age = f.killLostOldestMs;
    // The interval in the replica's own time: a machine too busy to run its timers delays its spool write as much.
    const lag = f.killedLagMs ?? 0;
    return {
      // The promise itself is checked: every answer given more than one interval before the kill has its row.
      ok: age === undefined ? lostRows <= allowed : age <= FLUSH_INTERVAL_MS + lag,
      detail:
        `${lostRows} answers without a row` +
        (age === undefined ? '' : `, the oldest answered ${age} ms before the kill`) +
        ` (bound ${FLUSH_INTERVAL_MS} ms + its event loop's longest delay in the second before, ${lag} ms)` +
        `; one ${FLUSH_INTERVAL_MS} ms flush interval of the killed replica is ${allowed} ` +
        `(${(f.killedRate ?? 0).toFixed(0)} answers/s in the last second before the kill)`,
    };
  },
  'refused-only-when-spent': (f) => {
    const b = f.belowCap;
    if (b === undefined) return { ok: false, detail: 'no replica was killed' };
    // A share held back ends at the dead replica's presence lapse at the latest: so does its Retry-After.
    const longest = Math.ceil(PRESENCE_TTL_MS / 1000);
    return {
      ok: b.toldToStop === 0 && b.afterLapse === 0 && b.longestRetryAfterS <= longest,
      detail:
        `${b.refused} budget refusals below the caps: ${b.toldToStop} said x-should-retry: false, ` +
        `${b.afterLapse} came after the killed replica's presence lapsed; longest Retry-After ${b.longestRetryAfterS} s ` +
        `(bound ${longest} s)` +
        // A load slowed by a busy machine may end before a cap: then nothing was judged, and the row says so.
        (f.received.usd < f.spec.caps.usd && f.received.tokens < f.spec.caps.tokens
          ? `; no cap was reached (clients received $${f.received.usd.toFixed(2)} of $${f.spec.caps.usd})`
          : '') +
        (b.firstStop === undefined
          ? ''
          : `; the first to say stop came ${b.firstStop.afterKillMs} ms after the kill, clients having received ` +
            `$${b.firstStop.received.usd.toFixed(2)} and ${b.firstStop.received.tokens} tokens`),
    };
  },
  'failover-loses-only-in-flight': (f) => {
    const outside = f.failedOutsideFault ?? NaN;
    const back = f.recoverMs;
    return {
      ok: outside === 0 && back !== undefined && back !== null && back <= FAILOVER_RECOVERY_MS,
      detail:
        `${f.failed} requests failed, ${outside} of them not in flight during the failover; every replica ready and ` +
        `not degraded ${back === undefined || back === null ? 'never' : `${back} ms`} after it (bound ${FAILOVER_RECOVERY_MS} ms)`,
    };
  },
};

export function verdicts(f: Figures): Verdict[] {
  if (f.error !== undefined) return [{ check: 'alive', ok: false, detail: `the case did not run: ${f.error}` }];
  return f.spec.checks.map((check) => ({ check, ...CHECKS[check](f) }));
}
