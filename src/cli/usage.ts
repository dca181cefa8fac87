// `switchyard usage [--by day|hour|client_key|user|task|route|credential|tool] [--user U] [--since 7d] [--json|--csv]` — what requests
// cost, from the usage ledger (docs/usage.md), and MCP tool calls (`--by tool`, usage-tools.ts); `switchyard usage prices` — the price that applies to each route;
// `switchyard usage budgets` — where each budget stands (usage-budgets.ts, docs/budgets.md); `switchyard usage audit` —
// who changed what through the dashboard or the admin API (usage-audit.ts).
import { guardReport } from './usage-guard.ts';
import type { Command } from 'commander';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { stateHome } from '../state/open.ts';
import { openLedger, usageStoreFor } from '../usage/open.ts';
import { GROUPS, type Group } from '../usage/row.ts';
import { parseSince } from '../usage/since.ts';
import { summed, usageCsv, usageTable, usdNumber } from '../usage/report.ts';
import { withHitRatio } from '../usage/cache-ratio.ts';
import type { Totals } from '../usage/row.ts';
import { dailyPrices, lookUpPrice, type RoutePrice } from '../usage/prices.ts';
import { priceSnapshot } from '../usage/price-snapshot.ts';
import { taskRoutes } from '../usage/routes.ts';
import type { TablePrice } from '../usage/price-table.ts';
import { UserError } from '../user-error.ts';
import { redactUrl } from '../config/mask.ts';
import { addBudgetsCommand } from './usage-budgets.ts';
import { routeName } from '../config/route-name.ts';
import { toolReport } from './usage-tools.ts';
import { addAuditCommand } from './usage-audit.ts';

interface UsageOpts {
  by?: string;
  since?: string;
  json?: boolean;
  csv?: boolean;
  clientKey?: string;
  user?: string;
  task?: string;
  route?: string;
}

export function register(program: Command, { cli }: { cli: CliRun }): void {
  const usage = program
    .command('usage')
    .description(
      'tokens and estimated cost from the usage ledger, by day, client key, end user, task, route, credential or tool',
    )
    .option(
      '--by <group>',
      `one of ${GROUPS.join(', ')}, tool (MCP tool calls), guard (requests the secrets guard found a secret in)`,
      'day',
    )
    .option('--since <when>', 'how far back: 7d, 24h, 2w or a date (2026-11-01)', '7d')
    .option('--client-key <name>', 'only this client key')
    .option('--user <user>', 'only this end user (as sent; a key that hashes its users is matched too)')
    .option('--task <task>', 'only this task')
    .option('--route <provider/model>', 'only this route')
    .option('--json', 'machine-readable output')
    .option('--csv', 'comma-separated values')
    .action((opts: UsageOpts, cmd: Command) => report(cli, opts, cmd));
  usage
    .command('prices')
    .description('the price (USD per million tokens) that applies to each configured route, and where it comes from')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => prices(cli, opts, cmd));
  usage
    .command('migrate')
    .description("bring the usage ledger's schema up to date (a gateway's start does it too, only when it is behind)")
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }, cmd: Command) => migrate(cli, opts, cmd));
  addBudgetsCommand(usage, cli);
  addAuditCommand(usage, cli);
}

async function migrate(cli: CliRun, own: { json?: boolean }, cmd: Command): Promise<void> {
  const json = own.json === true || cmd.parent?.opts<{ json?: boolean }>().json === true;
  const loaded = cliConfig(cli, cmd, { store: false });
  const config = loaded.config.usage;
  const store = usageStoreFor(config, { home: stateHome({ ...loaded.env }) });
  if (store === undefined) throw new UserError('usage.store is off: there is no ledger to migrate (docs/usage.md)');
  const where = config.store === 'sqlite' ? 'sqlite' : redactUrl(config.store);
  try {
    const report = await store.migrate().catch((err: unknown) => {
      throw new UserError(`the usage ledger (${where}) cannot be migrated: ${messageOf(err)}`);
    });
    if (json) return cli.json({ store: store.kind, ...report });
    cli.stdout.write(
      report.ran.length === 0
        ? `usage ledger (${where}): schema at version ${report.to}, up to date\n`
        : `usage ledger (${where}): schema version ${report.from} → ${report.to} (${report.ran.join('; ')})\n`,
    );
  } finally {
    await store.close().catch(() => {});
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function report(cli: CliRun, opts: UsageOpts, cmd: Command): Promise<void> {
  const by = opts.by as Group;
  if (!GROUPS.includes(by) && opts.by !== 'tool' && opts.by !== 'guard')
    throw new UserError(`--by: expected one of ${GROUPS.join(', ')}, tool, guard, got ${JSON.stringify(opts.by)}`);
  if (opts.json && opts.csv) throw new UserError('--json and --csv: choose one');
  const since = parseSince(opts.since ?? '7d', Date.now());
  const loaded = cliConfig(cli, cmd, { store: false });
  const config = loaded.config.usage;
  const ledger = openLedger(config, { home: stateHome({ ...loaded.env }) });
  if (ledger === undefined) throw new UserError('usage.store is off: no usage is recorded (docs/usage.md)');
  try {
    if (opts.by === 'tool') return await toolReport(cli, ledger, { ...opts, since });
    if (opts.by === 'guard') return await guardReport(cli, ledger, { ...opts, since });
    const groups = await ledger.totals({
      by,
      since,
      ...(opts.clientKey !== undefined ? { client_key: opts.clientKey } : {}),
      ...(opts.user !== undefined ? { user: opts.user } : {}),
      ...(opts.task !== undefined ? { task: opts.task } : {}),
      ...(opts.route !== undefined ? { route: opts.route } : {}),
    });
    if (ledger.degradedBy().includes('usage_store'))
      throw new UserError(
        `the usage ledger (${config.store === 'sqlite' ? 'sqlite' : redactUrl(config.store)}) cannot be read`,
      );
    if (opts.json)
      return cli.json({
        by,
        since: new Date(since).toISOString(),
        store: ledger.kind,
        cost: 'estimated',
        groups: groups.map(reported),
        total: reported(summed(groups)),
      });
    if (opts.csv) return void cli.stdout.write(usageCsv(by, groups).join('\n') + '\n');
    if (groups.length === 0)
      return void cli.stdout.write(`no usage since ${new Date(since).toISOString()} (${ledger.kind} ledger)\n`);
    cli.stdout.write(usageTable(by, groups).join('\n') + '\n');
    cli.stdout.write(
      "costs are estimates from the price table (switchyard usage prices); tokens are the providers' own counts but for the `estimated` attempts\n",
    );
  } finally {
    await ledger.close();
  }
}

function priceText(p: TablePrice | undefined): string {
  if (p === undefined) return '-';
  if (typeof p === 'number') return String(p);
  return `${p.base} (${p.tiers.map((t) => `${t.price} over ${t.start}`).join(', ')})`;
}

function sourceText(p: RoutePrice | null): string {
  if (p === null) return 'no price: cost unknown (set providers.P.models.M.price)';
  if (p.source === 'config') return 'config';
  return `${priceSnapshot().source}@${priceSnapshot().version}: ${p.matched}`;
}

function prices(cli: CliRun, own: { json?: boolean }, cmd: Command): void {
  // `usage --json` is the parent's option too: commander gives it to whichever parses it first.
  const opts = { json: own.json === true || cmd.parent?.opts<{ json?: boolean }>().json === true };
  const loaded = cliConfig(cli, cmd, { store: false });
  const now = Date.now();
  const rows = taskRoutes(loaded.config).map((r) => ({
    ...r,
    price: lookUpPrice(loaded.config, r.route, now),
    periods: dailyPrices(loaded.config, r.route, now),
  }));
  if (opts.json)
    return cli.json({
      table: {
        source: priceSnapshot().source,
        version: priceSnapshot().version,
        generated_at: priceSnapshot().generated_at,
      },
      routes: rows.map((r) => ({
        route: routeName(r.route),
        tasks: r.tasks,
        price: r.price,
        ...(r.periods.length > 1 ? { by_hour_utc: r.periods } : {}),
      })),
    });
  const head = ['route', 'tasks', 'input', 'output', 'cache read', 'cache write', 'source'];
  // A price that changes within the day (DeepSeek's peak hours) is one row per period, its UTC hours named.
  const body = rows.flatMap((r) =>
    (r.periods.length > 1 ? r.periods : [{ prices: r.price?.prices, hours: undefined }]).map((p) => [
      routeName(r.route) + (p.hours === undefined ? '' : ` ${p.hours.start}-${p.hours.end} UTC`),
      r.tasks.join(','),
      priceText(p.prices?.input),
      priceText(p.prices?.output),
      priceText(p.prices?.cache_read),
      priceText(p.prices?.cache_write),
      sourceText(r.price),
    ]),
  );
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all)
    cli.stdout.write(
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  cli.stdout.write(
    `USD per million tokens, each attempt priced at its own time; table ${priceSnapshot().source}@${priceSnapshot().version} (${priceSnapshot().generated_at}); every cost is an estimate\n`,
  );
}

/** Totals as JSON gives them: the cache hit ratio added, the cost without float noise. */
function reported<T extends Totals>(t: T): T & { cache_hit_ratio: number | null } {
  return { ...withHitRatio(t), cost_usd: usdNumber(t.cost_usd) };
}
