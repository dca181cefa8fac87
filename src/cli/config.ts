import type { Command } from 'commander';

/** Placeholder: the config command group is not built yet. */
export function register(_program: Command): void {}
