// Runs the real `switchyard` CLI as a child process, the way a user would, and keeps everything it printed so a
// test can scan it for secrets.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

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

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: options.env?.['HOME'] ?? process.env['HOME'] ?? '/tmp',
  };
  for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
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
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
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

/** Fails if any of the secrets appears in the text (or, by default, in everything the CLI printed so far). */
export function assertNoSecrets(secrets: string[], text: string = transcript.join('\n')): void {
  for (const s of secrets) assert.ok(!text.includes(s), `a full secret (…${s.slice(-4)}) appeared in output`);
}

/** The line every command that reads config or state starts its stderr with (src/cli/context.ts): which config file
 * and which state store it used. `config` null: none was found. */
export function inEffectLine(config: string | null, home: string | null): string {
  const state = home === null ? '' : ` · state sqlite ${home}/state.db`;
  return `switchyard: config ${config ?? '(none found: every value is a default)'}${state}\n`;
}

/** `in_effect` as a --json object carries it (src/cli/context.ts). */
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
