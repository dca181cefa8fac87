// The allocator and collector settings a gateway process starts with (bin/switchyard.js sets them for `switchyard
// gateway`, the workers inherit them). glibc's malloc otherwise keeps up to 8 arenas per core and raises its trim threshold after
// every large block it frees, so memory freed after a load stayed in the process (docs/performance.md#memory-what-to-expect).
export const GATEWAY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold (glibc's default value) also stops the dynamic one: large blocks stay mmapped, returned on free.
  MALLOC_TRIM_THRESHOLD_: '131072',
  // Blocks of 32 KiB and more mmapped on their own, given back when freed: at 200 KB bodies they otherwise left holes
  // in malloc's heap, ~25–35 MiB more RSS after a load. A five-word request makes none, a 200 KB one ~0.3
  // (bench/README.md, "Blocks of 32 KiB and more mmapped").
  MALLOC_MMAP_THRESHOLD_: '32768',
};

/** The variable that chooses a gateway's heap sizing (HEAP_SIZINGS); unset or empty, DEFAULT_HEAP. */
export const HEAP_VARIABLE = 'SWITCHYARD_GATEWAY_HEAP';

export type HeapSizing = 'bounded' | 'lean' | 'v8';

export const DEFAULT_HEAP: HeapSizing = 'bounded';

/** What each heap sizing adds to GATEWAY_V8_FLAGS, each flag unless node was given it already (on its command line, or
 * in NODE_OPTIONS where node allows it), and how the refusal of an unknown value names it. Under load V8 grows the
 * young generation to two 64 MiB semi-spaces and lets the old one reach 2–4× what is live: at 200 KB bodies and c32,
 * ~300 MiB of RSS, 2.5–2.7× idle. Semi-spaces of at most 16 MiB and a full collection once the old generation has
 * grown by half over what was live held it to ~230 MiB, for ~3 % more CPU a request (two side-by-side runs, 18 rounds:
 * medians 1.00–1.10 at five words, 0.93–1.17 at 200 KB). Holding the old generation to a quarter more (lean) took
 * 6–19 % more, in its full collections (bench/README.md, "Which heap sizing"). */
export const HEAP_SIZINGS: Readonly<Record<HeapSizing, { flags: readonly string[]; says: string }>> = {
  bounded: {
    flags: ['--max-semi-space-size=16', '--heap-growing-percent=50'],
    says: 'bounded (the default: RSS under load ~2× idle)',
  },
  lean: {
    flags: ['--max-semi-space-size=16', '--heap-growing-percent=25'],
    says: 'lean (a little less RSS than bounded, for up to a fifth more CPU)',
  },
  v8: { flags: [], says: "v8 (V8's own sizing: ~30 % more RSS under load, ~3 % less CPU)" },
};

/** V8 flags every gateway's node starts with, whatever its heap sizing, each unless node was given that flag or its
 * `--no-` form. V8's memory reducer collects, to shrink the heap, whenever the allocation rate drops for a few seconds:
 * between an agent's turns. Such a collection frees the maps optimized code was compiled against, which throws that
 * code away (~100–270 functions each time), and the next burst ran at 2–3× the CPU a request while V8 compiled them
 * again (bench/pause.bench.ts). The gateway gives memory back itself once it is really idle (idle-trim.ts).
 * V8 allocates an allocation site's objects straight in the old generation once most of them outlived a young
 * collection. A gateway's request objects die within milliseconds, but during warm-up or a burst enough of them outlive
 * one that V8 decided so for dozens of sites. Each such object then died in the old generation, where only a full
 * collection frees it, and kept every young object it pointed to alive through each young collection: most of every
 * request was copied and promoted (~6 KB a request at five words), and the collector's threads spent more CPU than a
 * whole request of the buffered proxy (bench/README.md, "Objects made old"). */
export const GATEWAY_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring', '--no-memory-reducer'];

/** The flags SWITCHYARD_GATEWAY_HEAP asks for, GATEWAY_V8_FLAGS first, or a message naming what it holds when that is
 * no sizing. */
export function heapFlags(value: string | undefined): readonly string[] | string {
  const sizing = value === undefined || value === '' ? DEFAULT_HEAP : value;
  if (!Object.hasOwn(HEAP_SIZINGS, sizing)) {
    const choices = Object.values(HEAP_SIZINGS).map((s) => s.says);
    return `${HEAP_VARIABLE}=${JSON.stringify(value)} is not a heap sizing: use ${choices.join(', ')}`;
  }
  return [...GATEWAY_V8_FLAGS, ...HEAP_SIZINGS[sizing as HeapSizing].flags];
}

/** The V8 flag a node flag sets, to tell whether node was given one of ours: `--max-semi-space-size=16` and
 * `--max_semi_space_size=8` both set `--max-semi-space-size` (V8 reads `_` as `-`), `--no-x` and `--x` both `--x`. */
export function flagName(flag: string): string {
  return flag
    .split('=')[0]!
    .replaceAll('_', '-')
    .replace(/^--no-/, '--');
}
