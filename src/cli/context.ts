// Shared CLI plumbing: the config every command runs with, and the two output shapes (JSON, aligned table).
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';

/** The config for a command, honouring the global `--config FILE`; no config file at all means defaults. */
export function cliConfig(cmd: Command): LoadedConfig {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  return loadConfig({ configPath: opts.config, env: process.env, cwd: process.cwd(), allowMissing: true });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded (no trailing spaces). */
export function printTable(rows: string[][], header: string[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    widths.map((w, i) => (i === widths.length - 1 ? (r[i] ?? '') : (r[i] ?? '').padEnd(w))).join('  ').trimEnd();
  process.stdout.write(`${all.map(line).join('\n')}\n`);
}
