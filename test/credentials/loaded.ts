// Builds a LoadedConfig the way the loader would, from a plain config object plus env and .env maps.
import { configSchema } from '../../src/config/schema.ts';
import type { LoadedConfig } from '../../src/config/types.ts';

export function loadedFrom(
  raw: unknown,
  env: Record<string, string> = {},
  dotenv: Record<string, string> = {},
): LoadedConfig {
  return {
    config: configSchema.parse(raw),
    path: null,
    dir: '/nonexistent',
    dotenvPath: Object.keys(dotenv).length > 0 ? '/nonexistent/.env' : null,
    dotenv,
    env,
    origins: new Map(),
    warnings: [],
    loadedAt: 0,
  };
}

export const BASE = 'http://127.0.0.1:9/v1';
