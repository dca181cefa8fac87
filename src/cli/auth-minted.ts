// Minted credentials in the auth commands: their mint status, read from the state store too since a gateway's mints
// are recorded there, and `auth refresh` (docs/credentials.md#auth-refresh-p-id).
import type { Command } from 'commander';
import type { CredentialPool } from '../credentials/pool.ts';
import { refreshMinted } from '../credentials/minted/refresh.ts';
import { mintReasonText } from '../credentials/minted/mint-reason.ts';
import { formatClock } from '../errors/explain-format.ts';
import { UserError } from '../user-error.ts';
import type { StateStore } from '../state/types.ts';
import type { CliRun } from './run.ts';

export { mintedViews, type MintedView } from '../credentials/minted/views.ts';
import type { MintedView } from '../credentials/minted/views.ts';

/** `vertex 3f2a…: command gcloud (providers.vertex.api_key_command): minted 09:32:10 (re-minted after 401); expires
 * 10:32:10`. */
export function mintedLine(provider: string, v: MintedView, now: number): string {
  const clock = (iso: string): string => formatClock(Date.parse(iso), { now, seconds: true });
  const parts: string[] = [];
  if (v.minted_at !== undefined)
    parts.push(
      `minted ${clock(v.minted_at)}${v.mint_reason !== undefined ? ` (${mintReasonText(v.mint_reason)})` : ''}`,
    );
  if (v.expires_at !== undefined)
    parts.push(Date.parse(v.expires_at) > now ? `expires ${clock(v.expires_at)}` : `expired ${clock(v.expires_at)}`);
  else if (v.minted_at !== undefined) parts.push('no expiry given (used until rejected)');
  if (v.error !== undefined && v.error_at !== undefined)
    parts.push(`last mint failed at ${clock(v.error_at)}: ${v.error}`);
  if (parts.length === 0) parts.push('not minted yet (the first request, `auth test` or `auth refresh` mints it)');
  const from = v.from !== undefined ? ` — ${v.from}` : '';
  return `${provider} ${v.id}: ${v.source} (${v.setting})${from}: ${parts.join('; ')}`;
}

interface RefreshOptions {
  json?: boolean;
}

interface RefreshContext {
  cli: CliRun;
  pool: CredentialPool;
  store: StateStore;
}

export function registerAuthRefresh(
  auth: Command,
  withAuth: (cmd: Command, fn: (ctx: RefreshContext) => Promise<void>) => Promise<void>,
  requireProvider: (ctx: RefreshContext, provider: string) => void,
): void {
  auth
    .command('refresh <provider> [id]')
    .description(
      "mint a new token for the provider's minted credential (api_key_file, api_key_command, oauth2) now; a running gateway mints its own within a second",
    )
    .option('--json', 'machine-readable output')
    .action((provider: string, id: string | undefined, opts: RefreshOptions, cmd: Command) =>
      withAuth(cmd, async (ctx) => {
        requireProvider(ctx, provider);
        await refresh(ctx, provider, id, opts);
      }),
    );
}

async function refresh(
  ctx: RefreshContext,
  provider: string,
  id: string | undefined,
  opts: RefreshOptions,
): Promise<void> {
  const outcome = await refreshMinted(ctx.pool, ctx.store, provider, id);
  if ('refused' in outcome) throw new UserError(outcome.message);
  const { results } = outcome;
  if (results.some((r) => !r.ok)) ctx.cli.exitCode = 1;
  if (opts.json) return ctx.cli.json({ provider, results });
  const now = Date.now();
  for (const r of results) {
    if (!r.ok) {
      ctx.cli.stdout.write(`${provider} ${r.id}: could not mint a token: ${r.error ?? ''}\n`);
      continue;
    }
    const expires =
      r.expires_at !== undefined
        ? `; it expires ${formatClock(Date.parse(r.expires_at), { now, seconds: true })}`
        : '; no expiry given (used until rejected)';
    ctx.cli.stdout.write(`${provider} ${r.id}: minted a new token from ${r.source}${expires}\n`);
  }
  if (results.some((r) => r.ok))
    ctx.cli.stdout.write('  a running gateway on this state store mints its own new token within a second\n');
}
