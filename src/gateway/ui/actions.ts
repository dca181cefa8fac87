// The dashboard's two actions, as the CLI does them: `auth reset` (the pool's reset and the provider's breaker, as
// POST /admin/credentials/:provider/reset) and `auth refresh` (mint a minted key's token again now).
import { MintError } from '../../credentials/minted/mint-error.ts';
import { matchOne } from '../../state/match.ts';
import { UserError } from '../../user-error.ts';
import { ApiError } from '../api-error.ts';
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

export interface RefreshResult {
  id: string;
  source: string;
  ok: boolean;
  expires_at?: string;
  error?: string;
}

export async function refreshMinted(
  ctx: GatewayContext,
  provider: string,
  id: string | undefined,
): Promise<RefreshResult[]> {
  knownProvider(ctx, provider);
  const all = ctx.router.pool.mintedSources(provider);
  if (all.length === 0)
    throw new ApiError('invalid_request', `${provider} has no minted credential to refresh`, { code: 'not_minted' });
  const chosen = id === undefined ? all : [matchOne(all, id, () => undefined, `minted credential of ${provider}`)];
  const results: RefreshResult[] = [];
  for (const source of chosen) {
    if (source === undefined) throw new ApiError('not_found', `no minted credential ${id ?? ''}`);
    try {
      const t = await ctx.router.pool.minter.refresh(source);
      // Asked as of this mint: processes holding an older token mint again, this one (whose watcher reads the same
      // record) does not mint a second time.
      await ctx.store.writeMint(source.id, { provider, at: Date.now(), refresh_requested_at: t.mintedAt });
      results.push({
        id: source.id,
        source: source.describe,
        ok: true,
        ...(t.expiresAt !== undefined ? { expires_at: new Date(t.expiresAt).toISOString() } : {}),
      });
    } catch (err) {
      if (!MintError.isInstance(err)) throw err;
      results.push({ id: source.id, source: source.describe, ok: false, error: err.message });
    }
  }
  return results;
}
