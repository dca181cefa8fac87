import type { Command } from 'commander';

/** Placeholder: the gateway command group is not built yet. */
export function register(_program: Command): void {}
