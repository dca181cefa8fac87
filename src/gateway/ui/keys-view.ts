// The Keys view's data: every provider's credentials as `auth explain` sees them (the pool's explanation, each
// candidate through the admin API's secret-free view), task keys, minted tokens' status, and the breaker.
import { mintedViews, type MintedView } from '../../credentials/minted/views.ts';
import type { ProviderExplanation } from '../../credentials/key-report.ts';
import { formatClock } from '../../errors/explain-format.ts';
import type { BreakerState } from '../../routing/breaker.ts';
import { taskKeys, taskKeyStatus } from '../../credentials/task-keys.ts';
import type { GatewayContext } from '../context.ts';
import { candidateView } from '../plugins/admin.ts';

export interface ProviderKeys {
  provider: string;
  type: string;
  strategy: string;
  /** Which key the next request uses and why, or why none can be used (`auth explain`'s summary). */
  summary: string;
  breaker: BreakerState;
  keys: (ReturnType<typeof candidateView> & { position: number; next: boolean })[];
  task_keys: (ReturnType<typeof candidateView> & { task: string; where: string })[];
  minted: MintedView[];
  warnings: string[];
}

/** The pool's summary speaks of keys only: with the breaker not closed, the next request does not go out as it says
 * ("first in order and usable" beside "breaker open"), so the breaker is said instead. */
function summaryOf(e: ProviderExplanation, breaker: BreakerState, reopensAt: number | undefined, now: number): string {
  if (breaker === 'closed') return e.summary;
  const probe = `one trial request${e.next ? ` (with ${e.next.masked})` : ''} decides whether it closes`;
  if (breaker === 'half_open')
    return `the breaker is half-open: ${probe}; until it answers, requests skip ${e.provider}`;
  const until = reopensAt !== undefined ? ` until ${formatClock(reopensAt, { now, seconds: true })}` : '';
  return `no request goes to ${e.provider}${until}: its breaker is open after repeated connection, timeout or server errors; then ${probe}`;
}

export async function keysView(ctx: GatewayContext, now: number): Promise<ProviderKeys[]> {
  const loaded = ctx.settings.loaded;
  const out: ProviderKeys[] = [];
  for (const [provider, settings] of Object.entries(loaded.config.providers)) {
    const e = ctx.router.pool.explain(provider);
    const breaker = ctx.router.breakers.state(provider);
    out.push({
      provider,
      type: settings.type,
      strategy: e.strategy,
      summary: summaryOf(e, breaker, ctx.router.breakers.reopensAt(provider), now),
      breaker,
      keys: e.candidates.map((c) => ({ ...candidateView(c, now), position: c.position, next: c.next })),
      task_keys: taskKeys(loaded, provider).map((k) => ({
        ...candidateView(taskKeyStatus(ctx.store, k, now), now),
        task: k.task,
        where: k.where,
      })),
      minted: await mintedViews(ctx.router.pool, ctx.store, provider),
      warnings: e.warnings,
    });
  }
  return out;
}
