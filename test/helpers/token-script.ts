// A key command for tests (api_key_command): `node token-script.ts SCRIPT.json` plays the script's next step — print a
// bare token, print JSON, print several lines, exit with a code (after printing something that must never be shown),
// hang, or print a token once a file exists or a delay has passed — and counts its runs in SCRIPT.json.runs. It also writes the names of the variables it was given to
// SCRIPT.json.env, so a test can see what reached it. The last step repeats once the script has run out.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export type TokenStep =
  | string
  | { json: unknown }
  | { lines: string[] }
  | { exit: number; print?: string }
  | { hang: true }
  /** Prints `token` once the file `after` exists (a helper that hangs until the test lets it go), or after `delay_ms`. */
  | { token: string; after?: string; delay_ms?: number };

export interface TokenScript {
  steps: TokenStep[];
}

/** The path of a script to run, written with its steps. */
export function writeTokenScript(path: string, steps: TokenStep[]): string {
  writeFileSync(path, JSON.stringify({ steps } satisfies TokenScript));
  return path;
}

/** How many times the command has run. */
export function tokenScriptRuns(path: string): number {
  return existsSync(`${path}.runs`) ? Number(readFileSync(`${path}.runs`, 'utf8')) : 0;
}

/** The variable names the last run was given. */
export function tokenScriptEnv(path: string): string[] {
  return JSON.parse(readFileSync(`${path}.env`, 'utf8')) as string[];
}

/** The command line that runs it. */
export function tokenCommand(path: string): string[] {
  return [process.execPath, new URL(import.meta.url).pathname, path];
}

function main(path: string): void {
  const script = JSON.parse(readFileSync(path, 'utf8')) as TokenScript;
  const runs = tokenScriptRuns(path);
  writeFileSync(`${path}.runs`, String(runs + 1));
  writeFileSync(`${path}.env`, JSON.stringify(Object.keys(process.env).sort()));
  const step = script.steps[Math.min(runs, script.steps.length - 1)];
  if (step === undefined) process.exit(0);
  if (typeof step === 'string') process.stdout.write(`${step}\n`);
  else if ('json' in step) process.stdout.write(JSON.stringify(step.json));
  else if ('lines' in step) process.stdout.write(step.lines.join('\n'));
  else if ('exit' in step) {
    if (step.print !== undefined) process.stdout.write(step.print);
    process.stderr.write('stderr text that must never be shown\n');
    process.exit(step.exit);
  } else if ('token' in step) void printLater(step);
  else setInterval(() => {}, 1000);
}

async function printLater(step: { token: string; after?: string; delay_ms?: number }): Promise<void> {
  if (step.delay_ms !== undefined) await new Promise((r) => setTimeout(r, step.delay_ms));
  while (step.after !== undefined && !existsSync(step.after)) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(`${step.token}\n`);
}

if (process.argv[1] === new URL(import.meta.url).pathname) main(process.argv[2] ?? '');
