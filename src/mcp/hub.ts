// The hub behind /mcp: one endpoint over the configured MCP servers (docs/mcp.md). Lists are the union of the
// servers' own, namespaced by server and filtered by the governor; a call is checked again, admitted, sent to its
// server with the server's timeout, and its facts settled. A failing server leaves the others listed.
import { guardValue } from '../guard/tool-result.ts';
import { resolveGuardMode, type GuardMode } from '../guard/mode.ts';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type {
  CallToolResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { LoadedConfig } from '../config/types.ts';
import type { McpServerConfig } from '../config/schema.ts';
import { cleanMessage } from '../errors/error-body.ts';
import type { McpCaller, McpGovernor } from './governor.ts';
import type { ToolCallFacts, ToolCallOutcome } from '../calls/tool-call.ts';
import { withCallCredential, type CallCredential } from './call-credential.ts';
import { namespaced, split } from './names.ts';
import { logToolPayload } from './payload-log.ts';
import { scrubAnswer } from './sent-secrets.ts';
import type { McpCredentials } from './credentials.ts';
import { loadedClientSdk } from './client-sdk.ts';
import { RemoteUpstream, StdioUpstream, type ListKind, type Upstream, type UpstreamContext } from './upstream.ts';

export interface HubOptions extends Omit<UpstreamContext, 'onListChanged' | 'baseDir'> {
  loaded: LoadedConfig;
  governor: McpGovernor;
}

/** A tool unknown and a tool not allowed are refused alike: the message does not say which. */
export const REFUSED_TOOL = (name: string): string => `tool ${name} is not available`;

export class McpHub {
  readonly #upstreams = new Map<string, Upstream>();
  readonly #listeners = new Set<(kind: ListKind) => void>();
  /** Each server's resources by URI, from its last listing: `resources/read` goes to the server that listed it. */
  readonly #resourceServer = new Map<string, string>();
  /** Each server's number of tools at its last listing (before any allow-list), for the dashboard. */
  readonly #toolCounts = new Map<string, number>();
  readonly #o: HubOptions;
  governor: McpGovernor;

  readonly #ctx: UpstreamContext;
  #configs: Readonly<Record<string, McpServerConfig>>;
  /** `mcp.log_arguments` of the config in force (payload-log.ts). */
  #logArguments: boolean;
  /** `guard.secrets` of the config in force: a tool result's guard mode when neither its server nor the key sets one. */
  #guardDefault: GuardMode | undefined;

  constructor(o: HubOptions) {
    this.#o = o;
    this.governor = o.governor;
    this.#ctx = {
      ...o,
      baseDir: o.loaded.dir,
      onListChanged: (server, kind) => {
        if (kind === 'tools') this.#toolCounts.delete(server);
        this.#changed(kind);
      },
    };
    this.#configs = o.loaded.config.mcp.servers;
    this.#logArguments = o.loaded.config.mcp.log_arguments;
    this.#guardDefault = o.loaded.config.guard.secrets;
    for (const [name, s] of Object.entries(this.#configs)) this.#upstreams.set(name, this.#upstreamFor(name, s));
  }

  #upstreamFor(name: string, s: McpServerConfig): Upstream {
    return 'url' in s ? new RemoteUpstream(name, s, this.#ctx) : new StdioUpstream(name, s, this.#ctx);
  }

  #changed(kind: ListKind): void {
    for (const l of this.#listeners) l(kind);
  }

  /** Hot reload: a server added is connected (a local one started), one removed or changed is closed (and made
   * again); one unchanged keeps its connection or process. Connected clients are told the lists changed. */
  async reload(loaded: LoadedConfig): Promise<void> {
    this.#o.credentials.setConfig(loaded);
    this.#logArguments = loaded.config.mcp.log_arguments;
    this.#guardDefault = loaded.config.guard.secrets;
    const next = loaded.config.mcp.servers;
    const closing: Upstream[] = [];
    for (const [name, up] of this.#upstreams) {
      const same = next[name] !== undefined && JSON.stringify(next[name]) === JSON.stringify(this.#configs[name]);
      if (same) continue;
      closing.push(up);
      this.#upstreams.delete(name);
      this.#toolCounts.delete(name);
    }
    for (const [name, s] of Object.entries(next)) {
      if (this.#upstreams.has(name)) continue;
      const up = this.#upstreamFor(name, s);
      this.#upstreams.set(name, up);
      if (up instanceof StdioUpstream) up.client().catch(() => {});
    }
    const changed = closing.length > 0 || Object.keys(next).length !== Object.keys(this.#configs).length;
    this.#configs = next;
    await Promise.all(closing.map((u) => u.close()));
    if (changed) for (const kind of ['tools', 'prompts', 'resources'] as const) this.#changed(kind);
  }

  get servers(): readonly string[] {
    return [...this.#upstreams.keys()];
  }

  upstream(name: string): Upstream | undefined {
    return this.#upstreams.get(name);
  }

  /** The local servers whose child exited or never started, waiting to be started again. */
  restarting(): string[] {
    return [...this.#upstreams].filter(([, u]) => u instanceof StdioUpstream && u.restarting).map(([name]) => name);
  }

  /** The servers' credentials (their keys' health, for the dashboard). */
  get credentials(): McpCredentials {
    return this.#o.credentials;
  }

  /** How many tools the server has: from its last listing, else asked now if it is connected (within `limitMs`);
   * undefined when it is not connected or did not say. Never connects or starts a server. */
  async toolCount(server: string, limitMs: number): Promise<number | undefined> {
    const known = this.#toolCounts.get(server);
    if (known !== undefined) return known;
    const up = this.#upstreams.get(server);
    const client = up?.connected();
    if (up === undefined || client === undefined) return undefined;
    try {
      const tools = await allPages((c) =>
        client
          .listTools(params(c), { timeout: Math.min(up.timeoutMs, limitMs) })
          .then((r) => ({ items: r.tools, next: r.nextCursor })),
      );
      this.#toolCounts.set(server, tools.length);
      return tools.length;
    } catch {
      return undefined;
    }
  }

  /** Starts the local servers now, so the first call does not wait for one. */
  start(): void {
    for (const u of this.#upstreams.values()) if (u instanceof StdioUpstream) u.client().catch(() => {});
  }

  /** Called with the kind of list that changed on any server, until the returned function is called. */
  onListChanged(listener: (kind: ListKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async listTools(caller: McpCaller): Promise<Tool[]> {
    return this.#gather('tools', async (server, client) => {
      const tools = await allPages((c) =>
        client.listTools(params(c)).then((r) => ({ items: r.tools, next: r.nextCursor })),
      );
      this.#toolCounts.set(server, tools.length);
      return tools
        .filter((t) => this.governor.allows(caller, server, t.name))
        .map((t) => ({ ...t, name: namespaced(server, t.name) }));
    });
  }

  listPrompts(caller: McpCaller): Promise<Prompt[]> {
    return this.#gatherNamed('prompts', caller, 'prompts', (client, c) =>
      client.listPrompts(params(c)).then((r) => ({ items: r.prompts, next: r.nextCursor })),
    );
  }

  listResources(caller: McpCaller): Promise<Resource[]> {
    return this.#gatherNamed(
      'resources',
      caller,
      'resources',
      (client, c) => client.listResources(params(c)).then((r) => ({ items: r.resources, next: r.nextCursor })),
      (server, list) => {
        for (const r of list) this.#resourceServer.set(r.uri, server);
      },
    );
  }

  listResourceTemplates(caller: McpCaller): Promise<ResourceTemplate[]> {
    return this.#gatherNamed('resource templates', caller, 'resources', (client, c) =>
      client.listResourceTemplates(params(c)).then((r) => ({ items: r.resourceTemplates, next: r.nextCursor })),
    );
  }

  /** A list only the servers the caller may see and that have `capability` give: each one's pages, its names
   * namespaced; `seen` is told each server's list as it gave it. */
  #gatherNamed<T extends { name: string }>(
    what: string,
    caller: McpCaller,
    capability: 'prompts' | 'resources',
    page: (client: Client, cursor: string | undefined) => Promise<Page<T>>,
    seen?: (server: string, list: T[]) => void,
  ): Promise<T[]> {
    return this.#gather(what, async (server, client) => {
      if (!this.#serverVisible(caller, server) || client.getServerCapabilities()?.[capability] === undefined) return [];
      const list = await allPages((c) => page(client, c));
      seen?.(server, list);
      return list.map((item) => ({ ...item, name: namespaced(server, item.name) }));
    });
  }

  async getPrompt(caller: McpCaller, name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
    const target = split(name);
    const up = target === undefined ? undefined : this.#upstreams.get(target.server);
    if (target === undefined || up === undefined || !this.#serverVisible(caller, target.server))
      throw new HubError('invalid_params', `prompt ${name} is not available`);
    try {
      const client = await up.client();
      const prompt = await client.getPrompt(
        { name: target.name, ...(args ? { arguments: args } : {}) },
        { timeout: up.timeoutMs },
      );
      return scrubAnswer(prompt, up.secrets.list());
    } catch (err) {
      throw relayed(err, up);
    }
  }

  async readResource(caller: McpCaller, uri: string): Promise<ReadResourceResult> {
    if (!this.#resourceServer.has(uri)) await this.listResources(caller);
    const server = this.#resourceServer.get(uri);
    const up = server === undefined ? undefined : this.#upstreams.get(server);
    if (server === undefined || up === undefined || !this.#serverVisible(caller, server))
      throw new HubError('invalid_params', `resource ${uri} is not available`);
    try {
      const client = await up.client();
      return scrubAnswer(await client.readResource({ uri }, { timeout: up.timeoutMs }), up.secrets.list());
    } catch (err) {
      throw relayed(err, up);
    }
  }

  /** A `tools/call`: refused (neutrally) unless the governor allows it, admitted, sent, settled. */
  async callTool(caller: McpCaller, name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    const startedAt = this.#o.now();
    const target = split(name);
    const up = target === undefined ? undefined : this.#upstreams.get(target.server);
    const requestBytes = byteLength(args ?? {});
    const base = {
      requestId: caller.requestId,
      keyName: caller.keyName,
      user: caller.user,
      spanUser: caller.spanUser,
      server: target?.server ?? '',
      tool: target?.name ?? name,
      startedAt,
      requestBytes,
    };
    if (target === undefined || up === undefined || !this.governor.allows(caller, target.server, target.name)) {
      this.governor.refused({ ...base, latencyMs: 0, outcome: 'refused', responseBytes: 0 });
      caller.onOutcome?.('refused');
      throw new HubError('invalid_params', REFUSED_TOOL(name));
    }
    const admission = await this.governor.admit(caller, target.server, target.name);
    if (!admission.ok) {
      caller.onOutcome?.(admission.outcome);
      throw new HubError('invalid_params', admission.message);
    }
    let noted: CallCredential = {};
    const settle = (outcome: ToolCallOutcome, responseBytes: number, error?: string): void => {
      const facts: ToolCallFacts = {
        ...base,
        latencyMs: this.#o.now() - startedAt,
        outcome,
        responseBytes,
        ...(noted.label !== undefined ? { credential: noted.label } : {}),
        ...(error !== undefined ? { error } : {}),
      };
      admission.settle(facts);
      caller.onOutcome?.(outcome);
    };
    try {
      const client = await up.client();
      const call = withCallCredential(() =>
        client.callTool({ name: target.name, ...(args ? { arguments: args } : {}) }, undefined, {
          timeout: up.timeoutMs,
        }),
      );
      noted = call.noted;
      // A tool's error is relayed as its result is: either may quote what the gateway sent the server.
      const scrubbed = scrubAnswer((await call.result) as CallToolResult, up.secrets.list());
      const result = this.#guarded(caller, target.server, scrubbed);
      settle(result.isError === true ? 'tool_error' : 'ok', byteLength(result));
      logToolPayload(this.#o.logger, this.#logArguments, { ...base, server: target.server }, args, result);
      return result;
    } catch (err) {
      const timedOut = isTimeout(err);
      const why = cleanMessage(err instanceof Error ? err.message : String(err), up.secrets.list());
      settle(timedOut ? 'timeout' : 'upstream_error', 0, why);
      throw new HubError(
        'internal',
        timedOut
          ? `MCP server ${target.server} did not answer ${name} within ${up.timeoutMs} ms (mcp.servers.${target.server}.timeout)`
          : `MCP server ${target.server} failed ${name}: ${why}`,
      );
    }
  }

  /** A tool's result through the secrets guard (docs/guard.md): its server's `guard`, else the key's, else the
   * config's. Under block the caller gets an error result naming the rule, never the secret. */
  #guarded(caller: McpCaller, server: string, result: CallToolResult): CallToolResult {
    const mode = resolveGuardMode(this.#configs[server]?.guard, caller.guard, this.#guardDefault);
    if (mode === 'off') return result;
    const guarded = guardValue(result, mode, 'result');
    if (guarded.findings.length === 0) return result;
    caller.onGuard?.(guarded.findings);
    if (mode !== 'block') return guarded.value;
    const first = guarded.findings[0]!;
    return {
      content: [
        {
          type: 'text',
          text: `the tool's result carries a credential (rule ${first.rule}) at ${first.where}: this gateway's secrets guard blocks it`,
        },
      ],
      isError: true,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#upstreams.values()].map((u) => u.close()));
    this.#listeners.clear();
  }

  /** A server whose tools the caller may see at least one of (by its list), for its prompts and resources. */
  #serverVisible(caller: McpCaller, server: string): boolean {
    const allow = caller.allow;
    if (allow === undefined) return true;
    if (allow.servers !== undefined) return allow.servers.includes(server);
    return this.governor.allows(caller, server, '*');
  }

  async #gather<T>(what: string, each: (server: string, client: Client) => Promise<T[]>): Promise<T[]> {
    const lists = await Promise.all(
      [...this.#upstreams.values()].map(async (up) => {
        try {
          return scrubAnswer(await each(up.name, await up.client()), up.secrets.list());
        } catch (err) {
          this.#o.logger.warn(
            { mcp_server: up.name, err: cleanMessage(String(err), up.secrets.list()) },
            `MCP server left out of the ${what} list: it failed`,
          );
          return [];
        }
      }),
    );
    return lists.flat();
  }
}

/** An error the /mcp route answers as a JSON-RPC error: `invalid_params` (-32602) or `internal` (-32603). */
export class HubError extends Error {
  readonly kind: 'invalid_params' | 'internal';
  constructor(kind: 'invalid_params' | 'internal', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** A server's failure fit to relay: its JSON-RPC error keeps its code; either way its message is cleaned of what the
 * gateway sent it (a server may quote its request back). */
function relayed(err: unknown, up: Upstream): Error {
  if (err instanceof HubError) return err;
  const message = err instanceof Error ? err.message.replace(/^MCP error -?\d+: /, '') : String(err);
  const why = cleanMessage(message, up.secrets.list());
  // The SDK is loaded once a server was connected (client-sdk.ts): before, no error of it can have been raised.
  const McpError = loadedClientSdk()?.McpError;
  return McpError !== undefined && err instanceof McpError
    ? new McpError(err.code, why)
    : new HubError('internal', `MCP server ${up.name} failed: ${why}`);
}

interface Page<T> {
  items: T[];
  next: string | undefined;
}

async function allPages<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  // A server that pages for ever is cut off: a list of this many pages is already beyond use.
  for (let i = 0; i < 100; i++) {
    const r = await page(cursor);
    all.push(...r.items);
    cursor = r.next;
    if (cursor === undefined) break;
  }
  return all;
}

const params = (cursor: string | undefined): { cursor?: string } => (cursor === undefined ? {} : { cursor });

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === -32001;
}
