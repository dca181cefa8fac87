// System calls a running process makes over a stretch of work, counted by `strace -c -f` attached to it (every
// thread): what a stream's chunk costs the kernel, call by call, where /proc/PID/io counts only reads and writes.
// strace stops the process at each call, so its CPU over that stretch says nothing; the counts are exact.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Calls per system call's name. */
export type SyscallCounts = Map<string, number>;

/** Attaches strace to `pid`; the returned function detaches it and reads its summary. */
export async function traceSyscalls(pid: number): Promise<() => Promise<SyscallCounts>> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-strace-'));
  const out = join(dir, 'summary.txt');
  const child = spawn('strace', ['-c', '-f', '-q', '-p', String(pid), '-o', out], { stdio: 'ignore' });
  // Attaching to every thread takes a moment; counts begin once it has.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    try {
      return parseSummary(readFileSync(out, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** strace -c's table: `% time  seconds  usecs/call  calls  [errors]  syscall`. */
function parseSummary(text: string): SyscallCounts {
  const counts: SyscallCounts = new Map();
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const name = cols.at(-1);
    if (cols.length < 5 || name === undefined || name === 'total' || !/^\d/.test(cols[0] ?? '')) continue;
    counts.set(name, Number(cols[3]));
  }
  return counts;
}

/** The calls made more than `least` times per unit, most first: `epoll_wait 1.02 · write 1.00 · …`. */
export function perUnitText(counts: SyscallCounts, units: number, least = 0.02): string {
  return [...counts]
    .map(([name, n]) => [name, n / units] as const)
    .filter(([, per]) => per >= least)
    .sort((a, b) => b[1] - a[1])
    .map(([name, per]) => `${name} ${per.toFixed(2)}`)
    .join(' · ');
}
