// `switchyard usage budgets`: each budget of the config, per resource and window — spent, held by requests in flight,
// remaining, and when its window resets — read from the state store the gateway uses (docs/budgets.md#seeing-it).
import type { Command } from 'commander';
import type { CliRun } from './run.ts';
import { cliConfig } from './context.ts';
import { openCliStore } from './open-state.ts';
import { BudgetPlan, toUnits } from '../budgets/rules.ts';
import { budgetRows, perUserBudgets, rowView, type BudgetRow } from '../budgets/snapshot.ts';
import { formatReset, seededWords } from '../budgets/words.ts';
import { renderTable } from '../sessions/text-table.ts';

interface JsonOpt {
  json?: boolean;
}

/** Adds `budgets` under the `usage` command. */
export function addBudgetsCommand(usage: Command, cli: CliRun): void {
  usage
    .command('budgets')
    .description('each budget: spent, reserved, remaining and when it resets')
    .option('--json', 'machine-readable output')
    .action((opts: JsonOpt, cmd: Command) => budgets(cli, opts, cmd));
}

async function budgets(cli: CliRun, own: JsonOpt, cmd: Command): Promise<void> {
  // `usage` has a --json of its own, which commander gives the parent: read both.
  const opts: JsonOpt = { json: own.json === true || (cmd.optsWithGlobals() as JsonOpt).json === true };
  const loaded = cliConfig(cli, cmd);
  const plan = new BudgetPlan(loaded.config);
  if (plan.empty && !opts.json) {
    cli.stdout.write('no budgets are configured — add some under budgets: (see docs/budgets.md)\n');
    return;
  }
  const store = await openCliStore(cli, {
    kind: loaded.config.gateway.state,
    prefix: loaded.config.gateway.state_prefix,
    env: { ...loaded.env },
  });
  let rows: BudgetRow[];
  try {
    rows = await budgetRows(plan, store.budgets, Date.now());
  } finally {
    await store.close();
  }
  if (opts.json) return cli.json(rows.map(rowView));
  const perUser = perUserLines(plan, Date.now());
  const since = rows.find((r) => r.held_locally_since !== undefined)?.held_locally_since;
  if (since !== undefined)
    cli.stdout.write(
      `held locally since ${formatReset(since)}: the shared budget store (Redis) does not answer; these are this state directory's own figures (budgets.on_store_outage), added to the shared counters when it answers; LOCAL CAP is the most it admits of each meanwhile\n`,
    );
  if (rows.length > 0 || perUser.length === 0)
    cli.stdout.write(
      renderTable(rows, [
        { header: 'BUDGET', cell: (r) => `${r.budget}${r.soft ? ' (soft)' : ''}` },
        { header: 'SCOPE', cell: (r) => r.scope },
        { header: 'PER', cell: (r) => r.window },
        { header: 'LIMIT', cell: (r) => amount(r, r.limit), right: true },
        { header: 'SPENT', cell: (r) => amount(r, r.spent), right: true },
        { header: 'RESERVED', cell: (r) => amount(r, r.reserved), right: true },
        { header: 'REMAINING', cell: (r) => amount(r, r.remaining), right: true },
        { header: 'RESETS', cell: (r) => formatReset(r.resets_at) },
        ...(since !== undefined ? [{ header: 'LOCAL CAP', cell: (r: BudgetRow) => localCap(r), right: true }] : []),
      ]) + '\n',
    );
  for (const line of perUser) cli.stdout.write(`${line}\n`);
  for (const r of rows)
    if (r.seeded !== undefined)
      cli.stdout.write(
        `${r.budget} (${r.resource} per ${r.window}): ${seededWords(r.resource, { amount: toUnits(r.resource, r.seeded.amount), at: r.seeded.at })}\n`,
      );
}

/** A `per_user` budget has a counter per user and so no row: it is said under the table, with the command that shows
 * where each user stands in the current window (an operator would otherwise see nothing of it). */
function perUserLines(plan: BudgetPlan, now: number): string[] {
  return perUserBudgets(plan, now).map((b) => {
    const each = b.resource === 'usd' ? `$${b.limit}` : `${b.limit.toLocaleString('en-US')} ${UNITS[b.resource]}`;
    return `${b.budget}${b.soft ? ' (soft)' : ''} (${b.scope}): ${each} per ${b.window} for each user, counted apart; where each stands: ${b.see}`;
  });
}

const UNITS: Record<Exclude<BudgetRow['resource'], 'usd'>, string> = { tokens: 'tok', requests: 'req', calls: 'calls' };

/** `$1.234567`, `12,000 tok`, `60 req`, `100 calls`: USD to the micro-dollar, as the counters keep it. */
function amount(r: BudgetRow, value: number): string {
  if (r.resource === 'usd') return `$${value.toFixed(value !== 0 && value < 0.01 ? 6 : 2)}`;
  return `${value.toLocaleString('en-US')} ${UNITS[r.resource]}`;
}

/** What this state directory may still admit on its own while held locally (its cap under the outage policy). */
function localCap(r: BudgetRow): string {
  return r.held_locally_cap === undefined ? '-' : amount(r, r.held_locally_cap);
}
