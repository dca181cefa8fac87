import type { Command } from 'commander';

/** Placeholder: the doctor command group is not built yet. */
export function register(_program: Command): void {}
