// Cross-checks of `budgets:` (docs/budgets.md): a budget's task, provider and MCP server must exist, or it would silently cover
// nothing. Reads the raw data defensively, as cross-check.ts does: shapes the schema rejects are skipped.
import type { ConfigPath } from './issue.ts';
import { didYouMean } from './suggest.ts';

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

export interface BudgetRefIssue {
  path: ConfigPath;
  message: string;
}

export function budgetRefIssues(root: Obj, providers: readonly string[]): BudgetRefIssue[] {
  const tasks = ['main', ...new Set(['title_generation', 'compression', ...Object.keys(obj(root['auxiliary']) ?? {})])];
  const issues: BudgetRefIssue[] = [];
  for (const [name, value] of Object.entries(obj(root['budgets']) ?? {})) {
    const b = obj(value);
    if (b === undefined) continue;
    const task = b['task'];
    if (typeof task === 'string' && task !== '' && !tasks.includes(task))
      issues.push({
        path: ['budgets', name, 'task'],
        message: `unknown task \`${task}\`${didYouMean(task, tasks)}; tasks: ${tasks.join(', ')}`,
      });
    const provider = b['provider'];
    if (typeof provider === 'string' && provider !== '' && !providers.includes(provider)) {
      const defined = providers.length
        ? `defined providers: ${providers.join(', ')}`
        : 'no providers are defined under `providers:`';
      issues.push({
        path: ['budgets', name, 'provider'],
        message: `unknown provider \`${provider}\`${didYouMean(provider, [...providers])}; ${defined}`,
      });
    }
    const server = b['mcp_server'];
    const servers = Object.keys(obj(obj(root['mcp'])?.['servers']) ?? {});
    if (typeof server === 'string' && server !== '' && !servers.includes(server))
      issues.push({
        path: ['budgets', name, 'mcp_server'],
        message: `unknown MCP server \`${server}\`${didYouMean(server, servers)}; ${servers.length ? `defined: ${servers.join(', ')}` : 'no servers are defined under `mcp.servers:`'}`,
      });
  }
  return issues;
}
