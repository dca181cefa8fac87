import type { Command } from 'commander';

/** `switchyard auth test [P] [ID]` — a live probe. Registered onto the `auth` command by src/cli/auth.ts. */
export function registerAuthTest(_auth: Command): void {}
