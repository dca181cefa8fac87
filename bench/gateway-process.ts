// The node flags and environment a bench starts a gateway process with: those `switchyard gateway` starts with
// (src/gateway/server/process-memory.ts, its default heap sizing), plus what the run names to try others:
// `<PREFIX>_NODE_FLAGS` (space-separated, e.g. `--max-semi-space-size=64` for V8's own young generation;
// `--allocation-site-pretenuring` puts back V8's default that GATEWAY_V8_FLAGS turns off) and `<PREFIX>_ENV`
// (`A=1 B=2`, or `none` for glibc's defaults).
import {
  DEFAULT_HEAP,
  flagName,
  GATEWAY_ENV,
  heapFlags,
  type HeapSizing,
} from '../src/gateway/server/process-memory.ts';

export interface GatewayProcess {
  flags: string[];
  env: Record<string, string>;
}

export function gatewayProcess(prefix: string): GatewayProcess {
  const namedEnv = process.env[`${prefix}_ENV`] ?? '';
  const env: Record<string, string> = namedEnv === 'none' ? {} : { ...GATEWAY_ENV };
  for (const pair of namedEnv.split(' ')) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined) env[name] = value;
  }
  const namedFlags = (process.env[`${prefix}_NODE_FLAGS`] ?? '').split(' ').filter((f) => f !== '');
  const given = new Set(namedFlags.map(flagName));
  return { flags: [...startFlags(DEFAULT_HEAP).filter((f) => !given.has(flagName(f))), ...namedFlags], env };
}

/** The V8 flags `switchyard gateway` starts with for SWITCHYARD_GATEWAY_HEAP=`heap`: bin/switchyard.js asks the same
 * heapFlags. */
export function startFlags(heap: HeapSizing): string[] {
  const flags = heapFlags(heap);
  if (typeof flags === 'string') throw new Error(flags);
  return [...flags];
}
