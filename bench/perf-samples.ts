// CPU samples of a running process, taken by `perf record -g` attached to it (every thread) and charged to the part of
// the program they were spent for: the kernel, the collector, node's HTTP, sockets and event loop, a package, or a
// folder of ours. perf counts what V8's `--cpu-prof` misjudges (a system call's time, the collector's helpers), and a
// process started with `--perf-basic-prof` names its JavaScript frames (bench/README.md, "Which profiler to believe").
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Samples a second per thread: odd, so the sampling never beats in step with a timer. */
export const SAMPLE_HZ = 1999;

/** Samples by component, for the process's main thread; `threads`: every other thread's samples, by its name;
 * `detail`: the samples of the listing asked for (detailKey). */
export interface SampleSplit {
  main: Map<string, number>;
  threads: Map<string, number>;
  detail: Map<string, number>;
}

/** A frame of a sample's stack, innermost first: its symbol and the object it was found in. */
interface Frame {
  sym: string;
  dso: string;
}

/** Attaches perf to `pid`; the returned function detaches it and reads its samples (`detail`: the part whose samples
 * are also counted function by function). */
export async function recordSamples(pid: number, detail?: string): Promise<() => Promise<SampleSplit>> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-perf-'));
  const data = join(dir, 'perf.data');
  const child = spawn('perf', ['record', '-q', '-F', String(SAMPLE_HZ), '-g', '-p', String(pid), '-o', data], {
    stdio: 'ignore',
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`perf record exited with ${code} before it was stopped`)));
  });
  // Attaching to every thread takes a moment; samples begin once it has.
  await Promise.race([new Promise((resolve) => setTimeout(resolve, 300)), failed]);
  // Stopped early from here on, perf has written what it recorded: the stop below reads it.
  failed.catch(() => {});
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    try {
      return await splitOf(data, detail);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Whether perf can be run here: its absence or the kernel's refusal is said, not thrown mid-run. */
export function perfMissing(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('perf', ['record', '-q', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore' });
    child.once('error', () => resolve('perf is not installed (Debian: linux-perf)'));
    child.once('exit', (code) =>
      resolve(code === 0 ? undefined : 'perf record failed: see /proc/sys/kernel/perf_event_paranoid'),
    );
  });
}

async function splitOf(data: string, detail: string | undefined): Promise<SampleSplit> {
  const split: SampleSplit = { main: new Map(), threads: new Map(), detail: new Map() };
  const script = spawn('perf', ['script', '-i', data, '-F', 'comm,ip,sym,dso'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let thread: string | undefined;
  let frames: Frame[] = [];
  const end = (): void => {
    if (thread === undefined) return;
    const part = thread === 'MainThread' ? componentOf(frames) : undefined;
    if (part === undefined) add(split.threads, thread);
    else add(split.main, part);
    if (detail === 'inclusive') {
      if (part !== undefined) for (const key of ownFunctions(frames)) add(split.detail, key);
    } else {
      const key = detail === undefined ? undefined : detailKey(detail, thread, part, frames);
      if (key !== undefined) add(split.detail, key);
    }
    thread = undefined;
    frames = [];
  };
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.trim() === '') end();
    else if (!/^\s/.test(line)) thread = line.trim();
    else frames.push(frameOf(line));
  }
  end();
  return split;
}

/** What a sample counts as in the listing asked for (`detail`), or undefined when it is not in it:
 * - a main-thread part, or every part whose name starts so (`src/*`): its innermost JavaScript frame and the nearest
 *   of ours above it;
 * - `leaf:<part>`: that part's three innermost frames, native ones included;
 * - `thread:<name>`: that thread's samples by the job it ran;
 * - `runtime`: the main thread's calls into V8's runtime and its megamorphic inline caches, by the JavaScript frame
 *   that made them (a fast path given up shows here);
 * - `inclusive` (ownFunctions): the main thread's samples charged to every function of ours on their stack. */
function detailKey(
  detail: string,
  thread: string,
  part: string | undefined,
  frames: readonly Frame[],
): string | undefined {
  if (part === undefined) return detail === `thread:${thread}` ? jobOf(frames) : undefined;
  if (detail === part || (detail.endsWith('*') && part.startsWith(detail.slice(0, -1)))) return detailOf(frames);
  if (detail === `leaf:${part}`)
    return frames
      .slice(0, 3)
      .map((f) => f.sym.slice(0, 40))
      .join(' < ');
  if (detail !== 'runtime') return undefined;
  const slow = frames.findIndex((f) => SLOW_PATH.test(f.sym));
  if (slow < 0) return undefined;
  const js = frames.slice(slow).find((f) => f.sym.startsWith('JS:'));
  return `${frames[slow]!.sym.slice(0, 60)} < ${js === undefined ? '?' : shortSym(js.sym)}`;
}

/** V8's runtime functions and its generic inline-cache stubs. */
const SLOW_PATH = /Runtime_|IC_Miss|KeyedStoreIC|_Megamorphic/;

/** A worker thread's sample: the outermost frame that names the job it ran (below the platform's own). */
function jobOf(frames: readonly Frame[]): string {
  const job = frames.findLast(
    (f) => !/v8::platform/.test(f.sym) && /Job|Task|Concurrent|Compil|Marking|Sweep|Scaveng/.test(f.sym),
  );
  return (job ?? frames[0])?.sym.slice(0, 120) ?? '?';
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** `\t 7fc6… JS:*'recordOf file:///…/request-end.ts:49:18 (/tmp/perf-9068.map)` */
function frameOf(line: string): Frame {
  const text = line.trim().replace(/^[0-9a-f]+ /, '');
  const open = text.lastIndexOf(' (');
  return open < 0 ? { sym: text, dso: '' } : { sym: text.slice(0, open), dso: text.slice(open + 2, -1) };
}

/** V8's collector, wherever it runs on the main thread: a task of its own, or an allocation that ran out of room. */
const COLLECTOR =
  /Scaveng|MarkCompact|MinorGC|Heap::CollectGarbage|Heap::PerformGarbageCollection|Sweeper|Evacuat|ConcurrentMarking|MarkingVisitor|IncrementalMarking|GCTracer|EphemeronHashTable|RecordWrite/;

/** A sample's component. The frames from the leaf up to the first JavaScript frame say whether the time was the
 * kernel's or the collector's; otherwise it is charged to that JavaScript frame's source (a wasm frame to the
 * JavaScript that called it), and a stack with none to the native code that ran it. */
export function componentOf(frames: readonly Frame[]): string {
  const js = frames.findIndex((f) => f.sym.startsWith('JS:') && !f.sym.startsWith('JS:wasm'));
  const native = js < 0 ? frames : frames.slice(0, js);
  if (frames[0]?.dso === '[kernel.kallsyms]') return 'kernel';
  if (native.some((f) => COLLECTOR.test(f.sym))) return 'collector';
  if (native.some((f) => /sqlite3/.test(f.sym))) return 'sqlite';
  if (js >= 0) return sourceOf(frames[js]!.sym);
  if (frames.some((f) => /http_parser|llhttp/.test(f.sym))) return 'node http';
  if (frames.some((f) => /StreamBase|LibuvStreamWrap|uv__read|uv__write|uv__stream/.test(f.sym))) return 'node sockets';
  return 'native (V8, node, libc)';
}

const shortSym = (sym: string): string =>
  sym.replace(/^JS:[*~^+']*/, '').replace(/file:\/\/|\/[^ ]*\/(?=(src|bench|node_modules)\/)/g, '');

/** A sample of the part asked for: its innermost JavaScript frame (its leaf when there is none), and the nearest
 * frame of ours above it, which is what a change would touch. */
function detailOf(frames: readonly Frame[]): string {
  const js = frames.find((f) => f.sym.startsWith('JS:') && !f.sym.startsWith('JS:wasm')) ?? frames[0];
  const own = frames.find((f) => f.sym.startsWith('JS:') && /\/src\//.test(f.sym) && !/node_modules/.test(f.sym));
  const where = js === undefined ? '?' : shortSym(js.sym);
  return own === undefined || own === js ? where : `${where}  ← ${shortSym(own.sym)}`;
}

/** Each function of ours on a sample's stack, once: what it and everything it called synchronously cost (a feature's
 * share, where a part's listing gives only the leaves). An `await` resumes from the microtask queue, so an async
 * function counts its first stretch and each resumption, not the calls it awaited. */
function ownFunctions(frames: readonly Frame[]): Set<string> {
  const own = new Set<string>();
  for (const f of frames)
    if (f.sym.startsWith('JS:') && /\/src\//.test(f.sym) && !/node_modules/.test(f.sym)) own.add(shortSym(f.sym));
  return own;
}

/** Node's own modules, grouped by what they do for a request. */
const NODE_PARTS: readonly [RegExp, string][] = [
  [/^node:(_http_|internal\/http)/, 'node http'],
  [/^node:(net|internal\/net|internal\/stream_base_commons|internal\/streams\/duplex)/, 'node sockets'],
  [/^node:internal\/streams\//, 'node streams'],
  [/^node:(buffer|internal\/buffer)/, 'node buffer'],
  [
    /^node:(events|timers|async_hooks|diagnostics_channel|internal\/(process|timers|async_hooks|event_target|abort_controller))/,
    'node events, promises, timers',
  ],
];

/** `JS:*'recordOf file:///…/src/gateway/records/request-end.ts:49:18` → `src/gateway/records`. */
function sourceOf(sym: string): string {
  const url = sym.split(' ').findLast((part) => /:\d+:\d+$/.test(part)) ?? '';
  const node = /^node:[\w/]+/.exec(url)?.[0];
  if (node !== undefined) return NODE_PARTS.find(([re]) => re.test(node))?.[1] ?? 'node, other';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  const own = /\/(src|bench)\/(.+)$/.exec(url);
  if (own !== null) {
    const parts = own[2]!.split('/');
    // The gateway's folders are as large as the other folders of src/: each is a line.
    const depth = own[1] === 'src' && parts[0] === 'gateway' ? 2 : 1;
    return `${own[1]}/${parts.length > depth ? parts.slice(0, depth).join('/') : parts[0]!.replace(/:.*$/, '')}`;
  }
  return 'JavaScript, other';
}
