// What a command reads and writes: its streams, environment and working directory. main() gives it the process's
// own; a test runs a command in-process with its own (test/helpers/cli.ts), so nothing may reach past it.

export type Env = Record<string, string | undefined>;

/** A stream a command writes to; `isTTY`/`columns` as a terminal's stream has them. */
export type CliOutput = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** The stream a command reads (a piped key for `auth add`, chat's prompts). */
export type CliInput = NodeJS.ReadableStream & { isTTY?: boolean };

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  stdin: CliInput;
  env: Env;
  cwd: string;
}

/** The process's own streams, environment and directory: what a command a user types runs with. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
