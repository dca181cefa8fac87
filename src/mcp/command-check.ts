// A stdio MCP server whose command is not there (not on PATH, or a path to no executable file) never starts: the
// gateway would restart it with backoff for ever. Said by `config check`, at gateway start and on each reload, and
// the hub reads it for /readyz.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/types.ts';
import type { McpStdioConfig } from '../config/schema.ts';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the child's command is looked for: a path is taken from its working directory, a bare name from PATH (the
 * child's own, which the server's `env:` may set). Undefined when it is found. */
export function missingCommand(
  config: Pick<McpStdioConfig, 'command' | 'env' | 'cwd'>,
  baseDir: string,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const command = config.command[0]!;
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(baseDir, config.cwd ?? '.', command);
    return isExecutableFile(path) ? undefined : `\`${command}\` is not an executable file (${path})`;
  }
  const path = config.env['PATH'] ?? env['PATH'] ?? '';
  const dirs = path.split(delimiter).filter((d) => d !== '');
  if (dirs.some((dir) => isExecutableFile(join(dir, command)))) return undefined;
  return `\`${command}\` is not on PATH (${dirs.length > 0 ? `none of its ${dirs.length} directories holds it` : 'PATH is empty'})`;
}

/** One warning per stdio MCP server whose command cannot be found. */
export function missingCommandWarnings(loaded: LoadedConfig): string[] {
  return Object.entries(loaded.config.mcp.servers).flatMap(([name, server]) => {
    if (!('command' in server)) return [];
    const why = missingCommand(server, loaded.dir, loaded.env);
    return why === undefined
      ? []
      : [`mcp.servers.${name}.command: ${why}: the server cannot start, and its tools are not offered`];
  });
}
