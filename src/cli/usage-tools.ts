// `switchyard usage --by tool`: MCP tool calls per server and tool from the ledger's rows (docs/usage.md#tool-calls),
// with failures, mean latency and bytes, as a table, JSON or CSV.
import type { CliRun } from './run.ts';
import type { UsageLedger } from '../usage/ledger.ts';
import type { ToolTotals } from '../usage/row.ts';
import { UserError } from '../user-error.ts';
import { namespaced, recordedName } from '../mcp/names.ts';
import { csvCell } from '../usage/report.ts';

export interface ToolReportOpts {
  since: number;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  clientKey?: string | undefined;
  user?: string | undefined;
  task?: string | undefined;
  route?: string | undefined;
}

const HEAD = ['tool', 'calls', 'failed', 'mean latency ms', 'bytes in', 'bytes out'];

/** A row's cells; its name printable and bounded (names.ts), as a row the ledger kept before names were may not be. */
function cells(t: ToolTotals): string[] {
  return [
    recordedName(namespaced(t.mcp_server, t.tool)),
    String(t.calls),
    String(t.failed),
    t.latency_ms.toFixed(0),
    String(t.request_bytes),
    String(t.response_bytes),
  ];
}

export async function toolReport(cli: CliRun, ledger: UsageLedger, opts: ToolReportOpts): Promise<void> {
  // A tool call has no task or route: a filter on one would silently match nothing.
  if (opts.task !== undefined || opts.route !== undefined)
    throw new UserError('--by tool: tool calls have no task or route; filter with --client-key');
  const tools = await ledger.toolTotals({
    since: opts.since,
    ...(opts.clientKey !== undefined ? { client_key: opts.clientKey } : {}),
    ...(opts.user !== undefined ? { user: opts.user } : {}),
  });
  if (opts.json) return cli.json({ by: 'tool', since: new Date(opts.since).toISOString(), store: ledger.kind, tools });
  if (opts.csv)
    return void cli.stdout.write(
      [HEAD.join(','), ...tools.map((t) => cells(t).map(csvCell).join(','))].join('\n') + '\n',
    );
  if (tools.length === 0)
    return void cli.stdout.write(`no tool calls since ${new Date(opts.since).toISOString()} (${ledger.kind} ledger)\n`);
  cli.table(tools.map(cells), HEAD);
}
