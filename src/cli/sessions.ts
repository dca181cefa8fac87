import type { Command } from 'commander';

/** Placeholder: the sessions command group is not built yet. */
export function register(_program: Command): void {}
