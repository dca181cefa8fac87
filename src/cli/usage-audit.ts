// `switchyard usage audit [--since 30d] [--json]`: who changed what through the dashboard or the admin API (a key
// reset, a token minted again), newest first, from the usage ledger's audit table (usage/audit.ts).
import type { Command } from 'commander';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { stateHome } from '../state/open.ts';
import { openLedger } from '../usage/open.ts';
import { parseSince } from '../usage/since.ts';
import { UserError } from '../user-error.ts';

const HEAD = ['when', 'who', 'role', 'via', 'action', 'target', 'outcome'];

/** The most rows one listing shows. */
const MAX_ROWS = 10_000;

interface AuditOpts {
  since?: string;
  limit?: string;
  json?: boolean;
}

export function addAuditCommand(usage: Command, cli: CliRun): void {
  usage
    .command('audit')
    .description('who reset keys or minted tokens again through the dashboard or the admin API, newest first')
    .option('--since <when>', 'how far back: 30d, 24h or a date (2026-11-01)', '30d')
    .option('--limit <n>', 'at most this many actions', '200')
    .option('--json', 'machine-readable output')
    .action((opts: AuditOpts, cmd: Command) => audit(cli, opts, cmd));
}

async function audit(cli: CliRun, opts: AuditOpts, cmd: Command): Promise<void> {
  const json = opts.json === true || cmd.parent?.opts<{ json?: boolean }>().json === true;
  const since = parseSince(opts.since ?? '30d', Date.now());
  const limit = Number(opts.limit ?? 200);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROWS)
    throw new UserError(`--limit: expected a whole number from 1 to ${MAX_ROWS}, got ${JSON.stringify(opts.limit)}`);
  const loaded = cliConfig(cli, cmd, { store: false });
  const ledger = openLedger(loaded.config.usage, { home: stateHome({ ...loaded.env }) });
  if (ledger === undefined) throw new UserError('usage.store is off: no audit is kept (docs/usage.md)');
  try {
    const rows = await ledger.auditEntries({ since, limit });
    if (json)
      return cli.json({
        since: new Date(since).toISOString(),
        store: ledger.kind,
        actions: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      });
    if (rows.length === 0)
      return void cli.stdout.write(`no actions since ${new Date(since).toISOString()} (${ledger.kind} ledger)\n`);
    cli.table(
      rows.map((r) => [new Date(r.at).toISOString(), r.who, r.role, r.via, r.action, r.target, r.outcome]),
      HEAD,
    );
  } finally {
    await ledger.close();
  }
}
