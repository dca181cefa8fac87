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
function summaryOf(e: ProviderExplanation, breaker: Breaker, now: number): string {
  if (breaker.state === 'closed') return e.summary;
  const probe = `one trial request${e.next ? ` (with ${e.next.masked})` : ''} decides whether it closes`;
  const trial = `the next request${e.next ? ` (with ${e.next.masked})` : ''} is its trial and decides whether it closes`;
  if (breaker.state === 'half_open')
    return breaker.probing
      ? `the breaker is half-open: ${probe}; until it answers, requests skip ${e.provider}`
      : `the breaker is half-open: its pause is over, ${trial}`;
  const reopensAt = breaker.reopensAt;
  const until = reopensAt !== undefined ? ` until ${formatClock(reopensAt, { now, seconds: true })}` : '';
  return `no request goes to ${e.provider}${until}: its breaker is open after repeated connection, timeout or server errors; then ${probe}`;
}

/** The breaker as the view reads it, once: its state, and when open the trial time, or when half-open whether the trial
 * request is out. */
interface Breaker {
  state: BreakerState;
  reopensAt: number | undefined;
  probing: boolean;
}

function breakerOf(ctx: GatewayContext, provider: string): Breaker {
  const b = ctx.router.breakers;
  return { state: b.state(provider), reopensAt: b.reopensAt(provider), probing: b.probing(provider) };
}

export async function keysView(ctx: GatewayContext, now: number): Promise<ProviderKeys[]> {
  const loaded = ctx.settings.loaded;
  const out: ProviderKeys[] = [];
  for (const [provider, settings] of Object.entries(loaded.config.providers)) {
    const e = ctx.router.pool.explain(provider);
    const breaker = breakerOf(ctx, provider);
    out.push({
      provider,
      type: settings.type,
      strategy: e.strategy,
      summary: summaryOf(e, breaker, now),
      breaker: breaker.state,
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
