// A client key's MCP allow-list on the command line: `--mcp-tools`, `--mcp-servers` and `--no-mcp` of `gateway keys
// create|update` turned into the stored list, and what `gateway keys show` says about it (docs/mcp.md#allow-lists).
import type { Config } from '../config/schema.ts';
import { explainAllowList, parseServerNames, parseToolPatterns, type KnownServers } from '../mcp/allow-list.ts';
import type { GatewayKeyMcp, GatewayKeyRecord } from '../state/types.ts';
import { UserError } from '../user-error.ts';
import { keyUserLine } from './key-user.ts';

export interface KeyMcpOptions {
  mcpTools?: string;
  mcpServers?: string;
  /** `--no-mcp`: commander's negation sets `mcp: false`. */
  mcp?: boolean;
}

/** What the options ask for: a new list (replacing the old one whole), no list (`--no-mcp`), or no change. */
export type McpChange = { kind: 'set'; list: GatewayKeyMcp } | { kind: 'clear' } | { kind: 'keep' };

export function mcpChangeOf(opts: KeyMcpOptions): McpChange {
  const given = opts.mcpTools !== undefined || opts.mcpServers !== undefined;
  if (opts.mcp === false) {
    if (given)
      throw new UserError('--no-mcp removes the allow-list; it cannot be given with --mcp-tools or --mcp-servers');
    return { kind: 'clear' };
  }
  if (!given) return { kind: 'keep' };
  const list: GatewayKeyMcp = {};
  try {
    if (opts.mcpServers !== undefined) list.servers = parseServerNames(opts.mcpServers, '--mcp-servers');
    if (opts.mcpTools !== undefined) list.tools = parseToolPatterns(opts.mcpTools, '--mcp-tools');
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  return { kind: 'set', list };
}

/** Servers named by a list that the config does not define: said as a warning (they grant nothing now). */
export function unknownServers(list: GatewayKeyMcp, config: Config): string[] {
  const configured = Object.keys(config.mcp.servers);
  return (list.servers ?? []).filter((s) => !configured.includes(s));
}

/** `keys show NAME`: the key, then what it may call and why. */
export function keyShowText(k: GatewayKeyRecord, config: Config, reached?: ServersReached): string {
  return keyShowLines(k, config, reached).join('\n') + '\n';
}

/** Each configured server's tools as it listed them just now, or why it could not be asked (`keys show` connects to
 * them as the gateway would, to name the concrete tools a key reaches). */
export type ServersReached = ReadonlyMap<string, { tools: readonly string[] } | { error: string }>;

/** The same, a line each (`keys show --json`'s `explanation`). Without `reached`, the patterns alone. */
export function keyShowLines(k: GatewayKeyRecord, config: Config, reached?: ServersReached): string[] {
  const known: KnownServers = new Map(
    Object.keys(config.mcp.servers).map((s) => {
      const r = reached?.get(s);
      return [s, r !== undefined && 'tools' in r ? r.tools : undefined];
    }),
  );
  const unreached = [...(reached ?? [])].flatMap(([s, r]) => ('error' in r ? [`${s} (${r.error})`] : []));
  const head = [
    `Gateway key "${k.name}" (id ${k.id}, ${k.prefix}…), ${k.revoked_at ? 'revoked' : 'active'}`,
    keyUserLine(k),
    ...(known.size === 0 ? ['No MCP servers are configured (mcp.servers): /mcp offers no tool.'] : []),
  ];
  const lines = [
    ...explainAllowList(k.mcp, known),
    ...(unreached.length > 0
      ? [`  Not reached just now, so its tools are not named (only the patterns): ${unreached.join('; ')}`]
      : []),
  ];
  if (k.mcp_updated_at !== undefined)
    lines.push(`  Allow-list last set ${new Date(k.mcp_updated_at).toISOString()} (an update replaces it whole).`);
  return [...head, ...lines];
}
