// The node flags and environment a bench starts a gateway process with: those `switchyard gateway` starts with
// (src/gateway/process-memory.ts), plus what the run names to try others: `<PREFIX>_NODE_FLAGS` (space-separated) and
// `<PREFIX>_ENV` (`A=1 B=2`, or `none` for glibc's defaults). A flag named overrides the same one of the defaults (V8
// takes the last): `--max-semi-space-size=0` is V8's own sizing.
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../src/gateway/process-memory.ts';

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
  return { flags: [...GATEWAY_NODE_FLAGS, ...namedFlags], env };
}
