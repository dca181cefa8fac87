// `node bench/callgrind-names.ts DIR [BASE_DIR] [--inclusive] [--per N] [--top N]`: a callgrind count kept by
// `CALLGRIND_KEEP=1` (request-instructions.ts, stream-instructions.ts), function by function with V8's JIT frames
// named. callgrind sees compiled JavaScript only as addresses (`???:0x…`); run with `--perf-basic-prof` in
// BENCH_NODE_FLAGS (CALLGRIND_NODE_FLAGS for streams), node writes /tmp/perf-<pid>.map, and each address is named
// from it: `JS:*'name file:line` (`*` TurboFan's code, `+` Maglev's, `^` Sparkplug's, `~` the interpreter). Reads the
// main thread's file (the event loop's work). With BASE_DIR (the proxy's count, or another checkout's: a frame is
// named by its file from the checkout's root, without its line, so the two match) it prints both and the difference,
// largest either way first. `--per N` divides by the units counted (the requests or chunks the bench printed).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { threadFiles } from './callgrind.ts';

interface MapEntry {
  start: number;
  end: number;
  name: string;
}

/** The main thread's output file of a kept callgrind directory (`cg.out.<n>-01`). */
function mainThreadFile(dir: string): string {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: run the bench with CALLGRIND_KEEP=1, which prints it`);
  const file = threadFiles(dir)[0];
  if (file === undefined) throw new Error(`${dir} holds no callgrind output (cg.out.*)`);
  return file;
}

/** node's perf map of the process counted, when it wrote one: its entries by start address. */
function perfMap(cgFile: string): MapEntry[] {
  const pid = /^pid: (\d+)$/m.exec(readFileSync(cgFile, 'utf8').slice(0, 4096))?.[1];
  const path = `/tmp/perf-${pid}.map`;
  if (pid === undefined || !existsSync(path)) return [];
  const entries: MapEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1]!, 16);
    entries.push({ start, end: start + parseInt(m[2]!, 16), name: m[3]! });
  }
  return entries.sort((a, b) => a.start - b.start);
}

/** The map's name for `address`: the last entry starting at or before it, if it spans it. Code V8 moved or freed
 * keeps the name it was first written under. */
function named(entries: readonly MapEntry[], address: number): string | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.start <= address) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const e = entries[found];
  return e !== undefined && address < e.end ? e.name : undefined;
}

/** A JS frame's name as two checkouts share it: its file from the checkout's root, and no line (a change moves it). */
function sameAcrossTrees(name: string): string {
  return name.replace(/(?:file:\/\/)?\/\S*?\/(src|node_modules|bench)\//, '$1/').replace(/:\d+:\d+$/, '');
}

/** Instructions by function name, as callgrind_annotate sums them, JIT addresses named. */
function costs(dir: string, inclusive: boolean): Map<string, number> {
  const file = mainThreadFile(dir);
  const entries = perfMap(file);
  const text = execFileSync(
    'callgrind_annotate',
    [`--inclusive=${inclusive ? 'yes' : 'no'}`, '--threshold=100', file],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) (?:\([^)]*\) )?\s*(\S.*)$/.exec(line);
    if (m === null) continue;
    let fn = m[2]!.replace(/ \[[^\]]*\]$/, '');
    const jit = /^\?\?\?:0x([0-9a-f]+)$/.exec(fn);
    if (jit !== null) fn = sameAcrossTrees(named(entries, parseInt(jit[1]!, 16)) ?? fn);
    out.set(fn, (out.get(fn) ?? 0) + Number(m[1]!.replace(/,/g, '')));
  }
  return out;
}

const TOTALS = 'PROGRAM TOTALS';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { inclusive: { type: 'boolean' }, per: { type: 'string' }, top: { type: 'string' } },
});
const [dir, baseDir] = positionals;
if (dir === undefined) {
  process.stderr.write('usage: node bench/callgrind-names.ts DIR [BASE_DIR] [--inclusive] [--per N] [--top N]\n');
  process.exit(2);
}
const inclusive = values.inclusive === true;
const per = Number(values.per ?? 1);
const top = Number(values.top ?? 60);
let these: Map<string, number>;
let base: Map<string, number> | undefined;
try {
  these = costs(dir, inclusive);
  base = baseDir === undefined ? undefined : costs(baseDir, inclusive);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const total = these.get(TOTALS) ?? 0;
// main(), the event loop and libc's start hold everything: one line, the totals, says it.
const wrappers = (fn: string): boolean => fn !== TOTALS && these.get(fn) === total;
const rows = [...new Set([...these.keys(), ...(base?.keys() ?? [])])]
  .filter((fn) => !wrappers(fn))
  .map((fn) => ({ fn, n: (these.get(fn) ?? 0) / per, b: (base?.get(fn) ?? 0) / per }))
  .sort((x, y) => (base === undefined ? y.n - x.n : Math.abs(y.n - y.b) - Math.abs(x.n - x.b)))
  .slice(0, top);
const cell = (v: number): string => String(Math.round(v)).padStart(9);
for (const r of rows)
  console.log(base === undefined ? `${cell(r.n)}  ${r.fn}` : `${cell(r.n)}${cell(r.b)}${cell(r.n - r.b)}  ${r.fn}`);
