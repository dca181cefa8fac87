// Runs the real `switchyard` CLI, as a child process the way a user would (runCli) or in this process with its own
// streams, environment and directory (runCliInProcess: no process start-up), and keeps everything it printed so a
// test can scan it for secrets.
import { spawn } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { HUNG_PROCESS_MS } from './until.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'bin', 'switchyard.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Merged over a clean environment (PATH, HOME and the given variables only — never the developer's keys). */
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** Everything any CLI run printed during this test process, for the secret scan. */
export const transcript: string[] = [];

/** PATH, HOME and the given variables: never the developer's keys. */
function cleanEnv(given: CliOptions['env']): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: given?.['HOME'] ?? process.env['HOME'] ?? '/tmp',
  };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) env[k] = v;
  return env;
}

/** `switchyard ARGS…` as a child process: for a test whose subject is the command as a user types it, or the
 * process itself (signals, a closed pipe, a server that waits to be stopped). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env = cleanEnv(options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? HUNG_PROCESS_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      transcript.push(stdout, stderr);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    // A command that exits before reading its input (a usage error) closes the pipe: not the test's concern.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The same command run in this process (src/cli/main.ts runCommand) with its own stdout, stderr, stdin (`input`),
 * environment (clean, as runCli's) and directory: the same result as runCli, without starting a process. A command
 * that does not finish within `timeoutMs` fails the test (it cannot be killed).
 */
export async function runCliInProcess(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const { runCommand } = await import('../../src/cli/main.ts');
  const stdout = collector();
  const stderr = collector();
  const stdin = Readable.from(options.input ? [options.input] : []);
  const io = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin,
    env: cleanEnv(options.env),
    cwd: options.cwd ?? REPO_ROOT,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`switchyard ${args.join(' ')} did not finish`)),
      options.timeoutMs ?? HUNG_PROCESS_MS,
    );
  });
  try {
    const code = await Promise.race([runCommand([process.execPath, CLI, ...args], io), timeout]);
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    clearTimeout(timer);
    transcript.push(stdout.text(), stderr.text());
  }
}

/** A stream that keeps what is written to it, as it is written. */
function collector(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done): void {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** Fails if any of the secrets appears in the text (or, by default, in everything the CLI printed so far). */
export function assertNoSecrets(secrets: string[], text: string = transcript.join('\n')): void {
  for (const s of secrets) assert.ok(!text.includes(s), `a full secret (…${s.slice(-4)}) appeared in output`);
}

/** The line every command that reads config or state starts its stderr with (src/cli/run.ts): which config file
 * and which state store it used. `config` null: none was found. */
export function inEffectLine(config: string | null, home: string | null): string {
  const state = home === null ? '' : ` · state sqlite ${home}/state.db`;
  return `switchyard: config ${config ?? '(none found: every value is a default)'}${state}\n`;
}

/** `in_effect` as a --json object carries it (src/cli/run.ts). */
export function inEffectJson(
  config: string | null,
  home: string,
): { config: string | null; state: { kind: string; location: string } } {
  return { config, state: { kind: 'sqlite', location: `${home}/state.db` } };
}

/** What a command printed on stderr after the in-effect line, which must come first. */
export function afterInEffect(stderr: string): string {
  assert.match(stderr, /^switchyard: config .+ · state \S+ .+\n/);
  return stderr.slice(stderr.indexOf('\n') + 1);
}
