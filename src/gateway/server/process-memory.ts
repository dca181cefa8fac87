// The allocator and collector settings a gateway process starts with (bin/switchyard.js sets them for `switchyard
// gateway`, the workers inherit them). glibc's malloc otherwise keeps up to 8 arenas per core and raises its trim threshold after
// every large block it frees, so memory freed after a load stayed in the process (docs/performance.md#memory-what-to-expect).
export const GATEWAY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold (glibc's default value) also stops the dynamic one: large blocks stay mmapped, returned on free.
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** The variable that asks for a lean heap: `SWITCHYARD_GATEWAY_HEAP=lean` starts a gateway's node with
 * GATEWAY_NODE_FLAGS; unset (or `v8`), V8 sizes its heap itself. */
export const HEAP_VARIABLE = 'SWITCHYARD_GATEWAY_HEAP';

/** V8 flags a lean gateway's node starts with, each unless node was given that flag already (on its command line, or
 * in NODE_OPTIONS where node allows it). Under load V8 grows the young generation to two 64 MiB semi-spaces and lets
 * the old one reach 3–4× what is live; capped at 16 MiB and 1.25×, RSS after a sustained load stayed under 2× idle,
 * but each request cost ~20% more CPU (compare.bench, quiet machine), so it is a memory-bound deployment's choice
 * (docs/performance.md#rss-under-a-sustained-load). */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=25'];

/** V8 flags every gateway's node starts with, lean or not, each unless node was given that flag or its `--no-` form.
 * V8's memory reducer collects, to shrink the heap, whenever the allocation rate drops for a few seconds: between an
 * agent's turns. Such a collection frees the maps optimized code was compiled against, which throws that code away
 * (~100–270 functions each time), and the next burst ran at 2–3× the CPU a request while V8 compiled them again
 * (bench/pause.bench.ts). The gateway gives memory back itself once it is really idle (idle-trim.ts).
 * V8 allocates an allocation site's objects straight in the old generation once most of them outlived a young
 * collection. A gateway's request objects die within milliseconds, but during warm-up or a burst enough of them
 * outlive one that V8 decided so for dozens of sites. Each such object then died in the old generation, where only a
 * full collection frees it, and kept every young object it pointed to alive through each young collection: most of
 * every request was copied and promoted (~6 KB a request at five words), and the collector's threads spent more
 * CPU than a whole request of the buffered proxy (bench/README.md, "Objects made old"). */
export const GATEWAY_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring', '--no-memory-reducer'];

/** The flags SWITCHYARD_GATEWAY_HEAP asks for, with GATEWAY_V8_FLAGS, or a message naming what it holds when that is
 * neither value. */
export function heapFlags(value: string | undefined): readonly string[] | string {
  if (value === undefined || value === '' || value === 'v8') return GATEWAY_V8_FLAGS;
  if (value === 'lean') return [...GATEWAY_V8_FLAGS, ...GATEWAY_NODE_FLAGS];
  return `${HEAP_VARIABLE}=${JSON.stringify(value)} is not a heap sizing: use lean (a smaller heap for ~20% more CPU) or v8 (V8's own sizing, the default)`;
}

/** The V8 flag a node flag sets, to tell whether node was given one of ours: `--max-semi-space-size=16` and
 * `--max_semi_space_size=8` both set `--max-semi-space-size` (V8 reads `_` as `-`), `--no-x` and `--x` both `--x`. */
export function flagName(flag: string): string {
  return flag
    .split('=')[0]!
    .replaceAll('_', '-')
    .replace(/^--no-/, '--');
}
