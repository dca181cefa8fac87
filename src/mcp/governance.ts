// The governor the gateway's /mcp hub asks (governor.ts): a key's allow-list decides what it may list and call,
// `calls` budgets bound each call, and every call — made, refused or over a budget — is read by the table of its
// readers (tool-call-readers.ts): one ledger row, one Prometheus sample, one `execute_tool` span and one log line.
// Arguments and results never reach any of them.
import { HOLD_MS, type Budgets } from '../budgets/budgets.ts';
import { admitToolCall } from '../budgets/tool-call.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { BudgetStore } from '../state/budget-store.ts';
import { allows } from './allow-list.ts';
import type { Admission, McpCaller, McpGovernor } from './governor.ts';
import type { ToolCallFacts } from '../calls/tool-call.ts';
import { recordedName } from './names.ts';
import { toolCallReaders, type ToolCallReaderName, type ToolCallSinks } from './tool-call-readers.ts';
import type { BatchQueue } from '../calls/record-queue.ts';

/** `record`, `metric`, `logger`: where each call's facts go (tool-call-readers.ts). */
export interface GovernanceOptions extends ToolCallSinks {
  /** The config in force at each call (budgets are planned from it). */
  loaded: () => LoadedConfig;
  budgets: Budgets;
  budgetStore: BudgetStore;
  now: () => number;
}

export class McpGovernance implements McpGovernor {
  readonly #o: GovernanceOptions;
  readonly #readers: BatchQueue<ToolCallFacts, ToolCallReaderName>;

  constructor(o: GovernanceOptions) {
    this.#o = o;
    this.#readers = toolCallReaders(o);
  }

  allows(caller: McpCaller, server: string, tool: string): boolean {
    return allows(caller.allow, server, tool);
  }

  async admit(caller: McpCaller, server: string, tool: string): Promise<Admission> {
    const { budgets, budgetStore, loaded, now } = this.#o;
    const startedAt = now();
    const plan = budgets.plan(loaded());
    const call = { clientKey: caller.keyName, server, tool, user: caller.user };
    let admission;
    try {
      admission = await admitToolCall(plan, budgetStore, call, startedAt, HOLD_MS);
    } catch (err) {
      // The budget store failing is the store's policy to state (budgets.on_store_outage), not a failed call.
      this.#o.logger.warn({ err: String(err), mcp_server: server, tool }, 'MCP tool call budgets could not be held');
      return { ok: true, settle: (facts) => this.#record(facts) };
    }
    if (!admission.ok) {
      // The hub says nothing more of a call refused here: this is its one record.
      this.#record({
        requestId: caller.requestId,
        keyName: caller.keyName,
        user: caller.user,
        spanUser: caller.spanUser,
        server,
        tool,
        startedAt,
        latencyMs: now() - startedAt,
        outcome: 'budget',
        requestBytes: 0,
        responseBytes: 0,
        error: admission.refusal.message,
      });
      return { ok: false, outcome: 'budget', message: admission.refusal.message };
    }
    for (const w of admission.warnings)
      this.#o.logger.warn({ budget: w.budget, mcp_server: server, tool, client_key: caller.keyName }, w.message);
    let settled = false;
    return {
      ok: true,
      settle: (facts) => {
        if (settled) return;
        settled = true;
        admission.settle();
        this.#record(facts);
      },
    };
  }

  refused(facts: ToolCallFacts): void {
    this.#record(facts);
  }

  /** The call's one record, read by every reader of the table (tool-call-readers.ts). Its names as records keep
   * them (names.ts): a refused call's are whatever the caller sent. */
  #record(called: ToolCallFacts): void {
    this.#readers.push({ ...called, server: recordedName(called.server), tool: recordedName(called.tool) });
  }
}
