// `switchyard usage --by guard`: requests the secrets guard found a credential in, per what it did (block, redact,
// log), from the ledger's rows (docs/guard.md#seen-and-counted), as a table, JSON or CSV.
import type { CliRun } from './run.ts';
import type { UsageLedger } from '../usage/ledger.ts';
import type { GuardTotals } from '../usage/row.ts';
import { csvCell } from '../usage/report.ts';

export interface GuardReportOpts {
  since: number;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  clientKey?: string | undefined;
}

const HEAD = ['guard', 'requests', 'input tokens', 'output tokens', 'cost usd'];

function cells(t: GuardTotals): string[] {
  return [t.guard, String(t.requests), String(t.input_tokens), String(t.output_tokens), t.cost_usd.toFixed(4)];
}

export async function guardReport(cli: CliRun, ledger: UsageLedger, opts: GuardReportOpts): Promise<void> {
  const rows = await ledger.guardTotals({
    since: opts.since,
    ...(opts.clientKey !== undefined ? { client_key: opts.clientKey } : {}),
  });
  if (opts.json)
    return cli.json({ by: 'guard', since: new Date(opts.since).toISOString(), store: ledger.kind, guard: rows });
  if (opts.csv)
    return void cli.stdout.write(
      [HEAD.join(','), ...rows.map((t) => cells(t).map(csvCell).join(','))].join('\n') + '\n',
    );
  if (rows.length === 0)
    return void cli.stdout.write(
      `no request with a secret found since ${new Date(opts.since).toISOString()} (${ledger.kind} ledger)\n`,
    );
  cli.table(rows.map(cells), HEAD);
}
