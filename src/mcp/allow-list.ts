// A client key's MCP allow-list (docs/mcp.md#allow-lists): which servers and namespaced tools (`github__*`) it may
// list and call. No list: every configured tool. A list: only what it names, and `servers` and `tools` each narrow,
// so neither can widen what the other allows.
import type { McpAllowList } from './governor.ts';

/** Separates a server's name from its tool's in a namespaced name (`github__create_issue`). */
export const NAMESPACE_SEPARATOR = '__';

const SERVER_NAME = /^[A-Za-z0-9_-]+$/;
/** A tool pattern: `server__tool`, either part a glob with `*` (MCP tool names use letters, digits, `_ - .`). */
const TOOL_PATTERN = /^[A-Za-z0-9_*-]+__[A-Za-z0-9_.*-]+$/;

/** `files__*,exa__web_search` as typed on the command line → its entries, checked; `where` names the option. */
export function parseToolPatterns(text: string, where: string): string[] {
  const entries = splitList(text);
  for (const e of entries)
    if (!TOOL_PATTERN.test(e) || e.startsWith(NAMESPACE_SEPARATOR))
      throw new TypeError(
        `${where}: ${JSON.stringify(e)} is not a tool pattern; use SERVER__TOOL with * for any part (files__*, exa__web_search)`,
      );
  return entries;
}

export function parseServerNames(text: string, where: string): string[] {
  const entries = splitList(text);
  for (const e of entries)
    if (!SERVER_NAME.test(e) || e.includes(NAMESPACE_SEPARATOR))
      throw new TypeError(`${where}: ${JSON.stringify(e)} is not an MCP server name (letters, digits, - and _)`);
  return entries;
}

/** Comma- or space-separated, duplicates kept once, in the order given. An empty text is an empty list (deny all). */
function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((e) => e.trim())
        .filter((e) => e !== ''),
    ),
  ];
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Whether a pattern names this server's tool: its server part against the server, the rest against the tool, so a
 * `*` in one part never reaches across the separator into the other. */
export function patternMatches(pattern: string, server: string, tool: string): boolean {
  const cut = pattern.indexOf(NAMESPACE_SEPARATOR);
  if (cut <= 0) return false;
  return (
    globRegExp(pattern.slice(0, cut)).test(server) &&
    globRegExp(pattern.slice(cut + NAMESPACE_SEPARATOR.length)).test(tool)
  );
}

/** Why a tool is allowed or not, as `keys show` says it. */
export type AllowReason =
  'no_list' | 'empty_list' | 'server_not_listed' | 'no_tool_pattern' | 'server_listed' | 'tool_pattern';

export interface AllowDecision {
  allowed: boolean;
  reason: AllowReason;
  /** The tool pattern that matched. */
  pattern?: string;
}

/** The decision for one server's tool. The only inputs are the key's list and the names: what is configured decides
 * elsewhere (a removed server is simply not there to be allowed). */
export function decide(allow: McpAllowList | undefined, server: string, tool: string): AllowDecision {
  if (allow === undefined) return { allowed: true, reason: 'no_list' };
  const { servers, tools } = allow;
  if (servers === undefined && tools === undefined) return { allowed: false, reason: 'empty_list' };
  if (servers !== undefined && !servers.includes(server)) return { allowed: false, reason: 'server_not_listed' };
  if (tools === undefined) return { allowed: true, reason: 'server_listed' };
  const pattern = tools.find((p) => patternMatches(p, server, tool));
  return pattern === undefined
    ? { allowed: false, reason: 'no_tool_pattern' }
    : { allowed: true, reason: 'tool_pattern', pattern };
}

export function allows(allow: McpAllowList | undefined, server: string, tool: string): boolean {
  return decide(allow, server, tool).allowed;
}

/** A server's tools as `keys show` reads them: the configured servers, each with the tools it listed (if known). */
export type KnownServers = ReadonlyMap<string, readonly string[] | undefined>;

/** Entries of a list that name nothing configured: said by `keys show`, since they grant nothing today but would
 * grant a server of that name added later. */
export function staleEntries(allow: McpAllowList, configured: Iterable<string>): string[] {
  const names = [...configured];
  const out: string[] = [];
  for (const s of allow.servers ?? []) if (!names.includes(s)) out.push(s);
  for (const p of allow.tools ?? []) {
    const cut = p.indexOf(NAMESPACE_SEPARATOR);
    const server = globRegExp(p.slice(0, cut));
    if (!names.some((n) => server.test(n))) out.push(p);
  }
  return out;
}

/** `keys show`'s lines: what the list is, which servers and tools it reaches, and entries that match nothing. */
export function explainAllowList(allow: McpAllowList | undefined, known: KnownServers): string[] {
  if (allow === undefined)
    return [
      'MCP: no allow-list: this key may list and call every tool of every configured MCP server.',
      ...[...known].flatMap(([server, tools]) =>
        tools === undefined ? [] : [`  ${server}: ${tools.map((t) => `${server}__${t}`).join(', ') || 'nothing'}`],
      ),
      '  Set one with `switchyard gateway keys update NAME --mcp-tools PATTERNS` (deny by default once set).',
    ];
  const lines: string[] = [];
  const list = (a: readonly string[] | undefined) =>
    a === undefined ? '(not set)' : a.length ? a.join(', ') : '(empty)';
  lines.push(`MCP allow-list (deny by default): servers ${list(allow.servers)}; tools ${list(allow.tools)}`);
  if (allow.servers === undefined && allow.tools === undefined)
    lines.push('  Neither servers nor tools is set: this key may call no tool.');
  else if (allow.servers !== undefined && allow.tools !== undefined)
    lines.push('  A tool must be on a listed server AND match a tool pattern: each field narrows, neither widens.');
  for (const [server, tools] of known) {
    if (allow.servers !== undefined && !allow.servers.includes(server)) {
      lines.push(`  ${server}: refused (not in servers)`);
      continue;
    }
    if (tools === undefined) {
      const patterns = (allow.tools ?? []).filter((p) => patternMatches(p, server, p.slice(p.indexOf('__') + 2)));
      lines.push(
        `  ${server}: ${allow.tools === undefined ? 'every tool (server listed, no tool patterns)' : patterns.length ? `tools matching ${patterns.join(', ')}` : 'nothing (no pattern names it)'}`,
      );
      continue;
    }
    const allowed = tools.map((t) => ({ t, d: decide(allow, server, t) })).filter((x) => x.d.allowed);
    const why = (x: { t: string; d: AllowDecision }) =>
      x.d.pattern !== undefined ? `${server}__${x.t} (${x.d.pattern})` : `${server}__${x.t}`;
    lines.push(
      `  ${server}: ${allowed.length ? allowed.map(why).join(', ') : 'nothing'} (${allowed.length} of ${tools.length} tools)`,
    );
  }
  const stale = staleEntries(allow, known.keys());
  if (stale.length)
    lines.push(
      `  Matches no configured server, grants nothing now: ${stale.join(', ')}${
        allow.servers === undefined ? ' (a server added later under that name would be reached)' : ''
      }`,
    );
  return lines;
}
