// A bench/serve.ts role run under valgrind's callgrind, for the instruction-count benches (request-instructions.ts,
// stream-instructions.ts): started, measured over one stretch of load with the counters zeroed before and dumped
// after, and its instructions per unit of work read back per thread (the main thread's is the event loop's work; the
// others are V8's compiler and GC helpers, which vary more).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface Callgrinded {
  /** The address and client key the role printed on its first line. */
  info: { url: string; key?: string };
  /** A scratch directory of its own (callgrind's output; a role's log may go there too). */
  dir: string;
  child: ChildProcess;
}

/** Starts `checkout`'s bench/serve.ts with `role(dir)` under callgrind (node given `nodeFlags`) and waits for its
 * first line. */
export async function startCallgrind(
  checkout: string,
  role: (dir: string) => string[],
  env: NodeJS.ProcessEnv = process.env,
  nodeFlags: readonly string[] = [],
): Promise<Callgrinded> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-callgrind-'));
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${join(dir, 'cg.out')}`,
      process.execPath,
      ...nodeFlags,
      join(checkout, 'bench', 'serve.ts'),
      ...role(dir),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'], env },
  );
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  return { info: JSON.parse(line) as Callgrinded['info'], dir, child };
}

/** Counts only what `load` costs: the counters zeroed before it and dumped after. */
export async function counted<T>(c: Callgrinded, load: () => Promise<T>): Promise<T> {
  execFileSync('callgrind_control', ['-z', String(c.child.pid)], { stdio: 'ignore' });
  const result = await load();
  execFileSync('callgrind_control', ['-d', String(c.child.pid)], { stdio: 'ignore' });
  // The dump is written by the process itself, a moment later.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return result;
}

/** The per-thread output files of a callgrind directory, in thread order: the main thread's first. */
export function threadFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('cg.out.'))
    .sort()
    .map((f) => join(dir, f));
}

/** Instructions per unit of work (`units`), on the main thread and on the others together. */
export function perUnit(c: Callgrinded, units: number): { main: number; helpers: number } {
  const perThread = threadFiles(c.dir).map(
    (f) => Number(/(?:summary|totals): (\d+)/.exec(readFileSync(f, 'utf8'))?.[1] ?? 0) / units,
  );
  const [main = 0, ...others] = perThread;
  return { main, helpers: others.reduce((a, b) => a + b, 0) };
}

export function stopCallgrind(c: Callgrinded | undefined): void {
  if (c === undefined) return;
  c.child.kill('SIGKILL');
  // CALLGRIND_KEEP: the counts stay, for callgrind_annotate (its path is printed).
  if (process.env['CALLGRIND_KEEP'] !== undefined) return void process.stderr.write(`callgrind output: ${c.dir}\n`);
  rmSync(c.dir, { recursive: true, force: true });
}
