// An untrusted ./switchyard.yaml may not mint keys: it would run a cloned repository's command, or send the user's
// files or refresh token to a host of its choosing (docs/minted.md#how-minting-works). Nor may it start a local
// MCP server, which is a command of its own (docs/mcp.md).
import type { LoadedConfig } from './types.ts';

const MINTED = ['api_key_file', 'api_key_command', 'oauth2', 'google_credentials', 'aws_credentials'] as const;

export function dropUntrustedMinting(loaded: LoadedConfig, path: string): void {
  const dropped: string[] = [];
  const drop = (slot: string, fields: Partial<Record<(typeof MINTED)[number], unknown>>): void => {
    for (const f of MINTED) {
      if (fields[f] === undefined) continue;
      delete fields[f];
      dropped.push(`${slot}.${f}`);
    }
  };
  for (const [name, p] of Object.entries(loaded.config.providers)) drop(`providers.${name}`, p);
  for (const [task, t] of Object.entries(loaded.config.auxiliary)) drop(`auxiliary.${task}`, t);
  dropUntrustedMcp(loaded, dropped, drop);
  if (dropped.length === 0) return;
  const warning = `${dropped.join(', ')} ${dropped.length === 1 ? 'is' : 'are'} not used: ${path} was found in the current directory and is not trusted to run commands, read files or ask for tokens with your credentials; \`switchyard config trust\` if the file is yours`;
  loaded.warnings.push(warning);
  loaded.untrustedMinting = { slots: dropped, warning };
}

/** An MCP server's minted token sources, as a provider's; a stdio server goes whole, since its `command` runs. */
function dropUntrustedMcp(
  loaded: LoadedConfig,
  dropped: string[],
  drop: (slot: string, fields: Partial<Record<(typeof MINTED)[number], unknown>>) => void,
): void {
  const servers = loaded.config.mcp.servers;
  for (const [name, server] of Object.entries(servers)) {
    if ('command' in server) {
      delete servers[name];
      dropped.push(`mcp.servers.${name}.command`);
    } else drop(`mcp.servers.${name}`, server);
  }
}
