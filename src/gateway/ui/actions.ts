// The dashboard's two actions, as the CLI does them: `auth reset` (the pool's reset and the provider's breaker, as
// POST /admin/credentials/:provider/reset) and `auth refresh` (mint a minted key's token again now).
import { refreshMinted, type RefreshResult } from '../../credentials/minted/refresh.ts';
import { UserError } from '../../user-error.ts';
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';

function knownProvider(ctx: GatewayContext, provider: string): void {
  if (!Object.hasOwn(ctx.settings.loaded.config.providers, provider))
    throw new ApiError('not_found', `unknown provider ${JSON.stringify(provider)}`, { code: 'unknown_provider' });
}

export function resetKeys(ctx: GatewayContext, provider: string, id: string | undefined) {
  knownProvider(ctx, provider);
  try {
    const outcome = ctx.router.pool.reset(provider, id);
    ctx.router.breakers.reset(provider);
    ctx.logger.info(
      { provider, credential: id ?? 'all', reset: outcome.reset },
      'credentials reset from the dashboard',
    );
    return outcome;
  } catch (err) {
    if (UserError.isInstance(err)) throw new ApiError('not_found', err.message, { code: 'unknown_credential' });
    throw err;
  }
}

/** `auth refresh`, from the dashboard: each result says what was minted, or why the mint failed. */
export async function refreshKeys(
  ctx: GatewayContext,
  provider: string,
  id: string | undefined,
): Promise<{ results: RefreshResult[] }> {
  knownProvider(ctx, provider);
  const outcome = await refreshMinted(ctx.router.pool, ctx.store, provider, id);
  if (!('refused' in outcome)) return outcome;
  if (outcome.refused === 'not_minted') throw new ApiError('invalid_request', outcome.message, { code: 'not_minted' });
  throw new ApiError('not_found', outcome.message, { code: 'unknown_credential' });
}
