// The node flags and environment a bench starts a gateway process with: those `switchyard gateway` starts with
// (src/gateway/server/process-memory.ts), plus what the run names to try others: `<PREFIX>_NODE_FLAGS` (space-separated, e.g.
// the lean heap's GATEWAY_NODE_FLAGS) and `<PREFIX>_ENV` (`A=1 B=2`, or `none` for glibc's defaults).
import { GATEWAY_ENV } from '../src/gateway/server/process-memory.ts';

export interface GatewayProcess {
  flags: string[];
  env: Record<string, string>;
}

export function gatewayProcess(prefix: string): GatewayProcess {
  const named = process.env[`${prefix}_ENV`] ?? '';
  const env: Record<string, string> = named === 'none' ? {} : { ...GATEWAY_ENV };
  for (const pair of named.split(' ')) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined) env[name] = value;
  }
  const namedFlags = (process.env[`${prefix}_NODE_FLAGS`] ?? '').split(' ').filter((f) => f !== '');
  return { flags: namedFlags, env };
}
