// A process's memory and CPU as Linux reports them in /proc, without asking the process (so without a collection):
// RSS, and what it is made of from /proc/PID/smaps (V8's heap pages, malloc's heaps, the mapped binary).
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size in bytes (VmRSS). */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Number(m[1]) * 1024 : NaN;
}

/** CPU time (µs, user + system) a process has used: the sum over its threads of the scheduler's count in ns
 * (/proc/PID/task/TID/schedstat). /proc/PID/stat counts 10 ms ticks, which is ±1 tick in the 8–16 ticks a proxy's
 * slice of 200 KB bodies takes. A kernel that keeps no schedstat reads 0: then the ticks. A thread that has exited
 * is no longer counted; the servers measured keep theirs (V8's, libuv's pool, the tokenizer's worker) for life. */
export function cpuMicrosOf(pid: number): number {
  const exact = schedMicrosOf(pid);
  if (exact > 0) return exact;
  const { user, system } = cpuSplitOf(pid);
  return user + system;
}

function schedMicrosOf(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return ns / 1000;
}

/** CPU time (µs) the process's main thread (its event loop) has used, from its schedstat: exact enough for one
 * request. */
export function mainThreadMicrosOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

/** CPU time (µs) a process has used by thread name (`MainThread`, `V8Worker`, `libuv-worker`, …), from the same
 * counts: threads of one name are summed. */
export function cpuByThreadOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(name, (out.get(name) ?? 0) + ns / 1000);
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

/** CPU time (µs) a process has used in user space (utime) and in the kernel on its behalf (stime), from
 * /proc/PID/stat: a stream's kernel time is mostly its socket reads and writes. */
export function cpuSplitOf(pid: number): { user: number; system: number } {
  return cpuSplitIn(`/proc/${pid}/stat`);
}

/** The same for the process's main thread alone (its event loop): the rest is V8's collector and compiler threads and
 * libuv's pool. */
export function mainThreadCpuOf(pid: number): { user: number; system: number } {
  return cpuSplitIn(`/proc/${pid}/task/${pid}/stat`);
}

function cpuSplitIn(path: string): { user: number; system: number } {
  const stat = readFileSync(path, 'utf8');
  // The command name may hold spaces and parentheses: the fields start after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const micros = (ticks: string | undefined): number => (Number(ticks) / CLOCK_TICKS) * 1e6;
  return { user: micros(fields[11]), system: micros(fields[12]) };
}

/** How many read-like (read, readv, pread) and write-like (write, writev, pwrite) system calls a process has made,
 * from /proc/PID/io: libuv reads and writes a TCP socket with these, so per chunk they count its socket calls.
 * recvmsg/sendmsg and epoll are not counted. */
export function syscallsOf(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/** The pids of a process's children (the workers of a cluster primary). */
export function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(' ').map(Number);
  } catch {
    return [];
  }
}

export interface MemoryParts {
  /** Anonymous mappings aligned as V8 allocates its heap pages (256 KiB): the JavaScript heap and code. */
  v8: number;
  /** glibc malloc: the main heap ([heap]) and the per-thread arenas (64 MiB-aligned regions). */
  malloc: number;
  /** Files mapped in: the node binary's code and data, shared libraries. */
  files: number;
  /** Every other anonymous mapping: large malloc blocks mmapped on their own, stacks, buffers. */
  other: number;
  /** How many malloc arenas (one per thread that allocated, at most 8 per core). */
  arenas: number;
}

interface Region {
  start: bigint;
  end: bigint;
  perm: string;
  name: string;
  rss: number;
}

const ARENA = 64n * 1024n * 1024n;
const V8_PAGE = 256n * 1024n;

function regionsOf(pid: number): Region[] {
  const regions: Region[] = [];
  let current: Region | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = {
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perm: head[3] ?? '',
        name: (head[4] ?? '').trim(),
        rss: 0,
      };
      regions.push(current);
    } else if (current && line.startsWith('Rss:')) {
      current.rss = Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
    }
  }
  return regions;
}

/** RSS split by who allocated it, as far as the mappings tell (a heuristic: see MemoryParts). */
export function memoryParts(pid: number): MemoryParts {
  const parts: MemoryParts = { v8: 0, malloc: 0, files: 0, other: 0, arenas: 0 };
  const regions = regionsOf(pid);
  regions.forEach((r, i) => {
    if (r.name === '[heap]') parts.malloc += r.rss;
    else if (r.name.startsWith('/')) parts.files += r.rss;
    else if (r.name.startsWith('[')) parts.other += r.rss;
    else if (isArena(r, regions[i + 1])) {
      parts.malloc += r.rss;
      parts.arenas++;
    } else if (r.start % V8_PAGE === 0n && r.perm !== '---p') parts.v8 += r.rss;
    else parts.other += r.rss;
  });
  return parts;
}

/** A thread's malloc arena: a 64 MiB-aligned read-write region, the rest of its 64 MiB reserved right after it. */
function isArena(r: Region, next: Region | undefined): boolean {
  if (r.start % ARENA !== 0n || r.perm !== 'rw-p' || r.name !== '') return false;
  if (r.end - r.start === ARENA) return true;
  return next !== undefined && next.start === r.end && next.perm === '---p' && next.end - r.start === ARENA;
}

export function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export function partsText(p: MemoryParts): string {
  return `V8 ${mib(p.v8)} · malloc ${mib(p.malloc)} (${p.arenas} arenas) · files ${mib(p.files)} · other ${mib(p.other)} MiB`;
}

/** What each part added between two readings, largest first: why RSS grew, in the terms of MemoryParts. */
export function growthText(before: MemoryParts, after: MemoryParts): string {
  const keys = ['v8', 'malloc', 'files', 'other'] as const;
  const names = { v8: 'V8', malloc: 'malloc', files: 'files', other: 'other' };
  return keys
    .map((k) => ({ k, d: after[k] - before[k] }))
    .sort((a, b) => b.d - a.d)
    .map(({ k, d }) => `${names[k]} ${d >= 0 ? '+' : ''}${mib(d)}`)
    .join(' · ');
}
