// CONTRACT STUB — replaced by the config implementation.
import type { LoadedConfig } from './types.ts';

export interface LoadOptions {
  /** `--config FILE`; otherwise $SWITCHYARD_CONFIG, ./switchyard.yaml, $XDG_CONFIG_HOME/switchyard/config.yaml. */
  configPath?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** When true (the default for CLI use), a missing config file is fine and every value is a default. */
  allowMissing?: boolean;
}

/** Finds, reads, interpolates and validates the config. Throws UserError with a located message. */
export function loadConfig(_options: LoadOptions = {}): LoadedConfig {
  throw new Error('loadConfig: not implemented yet');
}
