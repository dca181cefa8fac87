import type { Command } from 'commander';

/** Placeholder: the chat command group is not built yet. */
export function register(_program: Command): void {}
