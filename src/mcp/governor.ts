// The seam between the MCP gateway's transport (hub, /mcp route) and its governance (allow-lists, budgets, ledger,
// metrics, spans). The hub asks the governor before it lists or calls a tool and tells it each call's facts after.
import type { GuardMode } from '../guard/mode.ts';
import type { GuardFinding } from '../guard/body.ts';
import type { ToolCallFacts, ToolCallOutcome } from '../calls/tool-call.ts';

/** Who is calling /mcp: the client key's name (undefined with require_keys off) and its MCP allow-list, if any. */
export interface McpCaller {
  readonly requestId: string;
  readonly keyName: string | undefined;
  /** The end user behind the key, from the `x-switchyard-user` header where the key takes it (as the ledger keeps it). */
  readonly user?: string | undefined;
  /** The same, when the operator lets spans name it (gateway.otel_end_user). */
  readonly spanUser?: string | undefined;
  /** The key's (or its group's) `mcp` field; undefined: the key has no list (everything configured is visible). */
  readonly allow: McpAllowList | undefined;
  /** Told a `tools/call`'s outcome once it has one (the request line's `outcome`). */
  readonly onOutcome?: (outcome: ToolCallOutcome) => void;
  /** The key's own secrets guard mode, for a tool result whose server sets none (docs/guard.md). */
  readonly guard?: GuardMode;
  /** Told the secrets the guard found in a tool's result (rule, where, action; never the secret). */
  readonly onGuard?: (findings: readonly GuardFinding[]) => void;
}

export interface McpAllowList {
  /** Server names the key may reach; omitted: decided by `tools` alone. */
  readonly servers?: readonly string[];
  /** Namespaced tool patterns (`github__*`, `exa__web_search`); omitted: every tool of an allowed server. */
  readonly tools?: readonly string[];
}

export type Admission =
  | { readonly ok: true; readonly settle: (facts: ToolCallFacts) => void }
  | { readonly ok: false; readonly outcome: 'refused' | 'budget'; readonly message: string };

export interface McpGovernor {
  /** May this caller see (list) or call this server's tool? Checked at list time and again at every call. */
  allows(caller: McpCaller, server: string, tool: string): boolean;
  /** Before a permitted `tools/call`: a call budget's reserve. `settle` must be called once with the call's facts. */
  admit(caller: McpCaller, server: string, tool: string): Promise<Admission>;
  /** A call refused before admission (not allowed), recorded as such. */
  refused(facts: ToolCallFacts): void;
}

/** Everything visible, nothing counted: what the hub uses until governance is wired. */
export const openGovernor: McpGovernor = {
  allows: () => true,
  admit: async () => ({ ok: true, settle: () => {} }),
  refused: () => {},
};
