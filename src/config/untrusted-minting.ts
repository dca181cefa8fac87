// An untrusted ./switchyard.yaml may not mint keys: it would run a cloned repository's command, or send the user's
// files or refresh token to a host of its choosing (docs/credentials.md#how-minting-works).
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
  if (dropped.length === 0) return;
  const warning = `${dropped.join(', ')} ${dropped.length === 1 ? 'is' : 'are'} not used: ${path} was found in the current directory and is not trusted to run commands, read files or ask for tokens with your credentials; \`switchyard config trust\` if the file is yours`;
  loaded.warnings.push(warning);
  loaded.untrustedMinting = { slots: dropped, warning };
}
