// The Keys view's data: every provider's credentials as `auth explain` sees them (the pool's explanation, each
// candidate through the admin API's secret-free view), task keys, minted tokens' status, and the breaker.
import { mintedViews, type MintedView } from '../../credentials/minted/views.ts';
import { taskKeys, taskKeyStatus } from '../../credentials/task-keys.ts';
import type { GatewayContext } from '../context.ts';
import { candidateView } from '../plugins/admin.ts';

export interface ProviderKeys {
  provider: string;
  type: string;
  strategy: string;
  /** Which key the next request uses and why, or why none can be used (`auth explain`'s summary). */
  summary: string;
  breaker: 'closed' | 'open' | 'half_open';
  keys: (ReturnType<typeof candidateView> & { position: number; next: boolean })[];
  task_keys: (ReturnType<typeof candidateView> & { task: string; where: string })[];
  minted: MintedView[];
  warnings: string[];
}

export async function keysView(ctx: GatewayContext, now: number): Promise<ProviderKeys[]> {
  const loaded = ctx.settings.loaded;
  const out: ProviderKeys[] = [];
  for (const [provider, settings] of Object.entries(loaded.config.providers)) {
    const e = ctx.router.pool.explain(provider);
    out.push({
      provider,
      type: settings.type,
      strategy: e.strategy,
      summary: e.summary,
      breaker: ctx.router.breakers.state(provider),
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
