// A tool call's readers are one table (src/mcp/tool-call-readers.ts), like a model call's: a reader that throws (the
// ledger's, say) is said once and stops neither the call nor the metric, span and log line the others make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpGovernance } from '../../src/mcp/governance.ts';
import { Budgets } from '../../src/budgets/budgets.ts';
import { openStore } from '../../src/state/open.ts';
import { createLogger } from '../../src/log.ts';
import type { ToolCallFacts } from '../../src/calls/tool-call.ts';

const FACTS: ToolCallFacts = {
  requestId: 'req-1',
  keyName: 'agent',
  server: 'files',
  tool: 'echo',
  startedAt: 1_000,
  latencyMs: 5,
  outcome: 'refused',
  requestBytes: 10,
  responseBytes: 0,
};

test("a tool call's ledger reader that throws is said once; the call, its metric and its log line go on", async () => {
  const lines: { level: number; msg: string; reader?: string }[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  await using store = openStore({ kind: 'memory' });
  const metrics: string[] = [];
  const governance = new McpGovernance({
    loaded: () => assert.fail('a refused call plans no budget'),
    budgets: new Budgets(store.budgets, () => 1_000),
    budgetStore: store.budgets,
    record: () => {
      throw new Error('the ledger is full');
    },
    metric: (server, tool, outcome) => void metrics.push(`${server}__${tool} ${outcome}`),
    logger,
    now: () => 1_000,
  });

  governance.refused(FACTS);
  governance.refused({ ...FACTS, requestId: 'req-2' });

  assert.deepEqual(metrics, ['files__echo refused', 'files__echo refused']);
  assert.deepEqual(
    lines.filter((l) => l.msg === 'mcp tool call').map((l) => (l as { request_id?: string }).request_id),
    ['req-1', 'req-2'],
  );
  const said = lines.filter((l) => l.reader !== undefined);
  assert.equal(said.length, 1, JSON.stringify(lines));
  assert.equal(said[0]!.reader, 'ledger');
  assert.match(said[0]!.msg, /the MCP tool calls' ledger reader failed/);
});
