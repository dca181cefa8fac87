// The allocator settings and V8 flags a gateway process starts with (bin/switchyard.js sets them for `switchyard
// gateway`, the workers inherit them). glibc's malloc otherwise keeps up to 8 arenas per core and raises its trim
// threshold after every large block it frees, so memory freed after a load stayed in the process; V8 otherwise grows
// its young generation to 128 MiB and its old one to ~4× what is live under load (docs/gateway.md#memory-what-to-expect).
export const GATEWAY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold (glibc's default value) also stops the dynamic one: large blocks stay mmapped, returned on free.
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** V8's memory-saving heuristics: the young generation grown only as far as it pays and the old one collected close
 * to what is live, so RSS after a minute of c32 load stays near 1.3× idle instead of 3.5× (measured in
 * docs/gateway.md#rss-under-a-sustained-load). Not in NODE_OPTIONS (Node refuses this flag there): on the command line. */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];

/** A flag's name as V8 reads it: `--no-optimize_for_size=…` and `--optimize-for-size` name the same flag. */
export function flagName(arg: string): string {
  return arg
    .replace(/^--?(no-?)?/, '')
    .split('=')[0]!
    .replaceAll('_', '-');
}

/** The gateway's flags that neither node's own arguments nor NODE_OPTIONS set already (either way: a `--no-` given
 * by the user is kept). */
export function missingNodeFlags(given: readonly string[]): string[] {
  const names = new Set(given.map(flagName));
  return GATEWAY_NODE_FLAGS.filter((f) => !names.has(flagName(f)));
}
