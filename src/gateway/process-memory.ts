// The allocator and collector settings a gateway process starts with (bin/switchyard.js sets them for `switchyard
// gateway`, the workers inherit them). glibc's malloc otherwise keeps up to 8 arenas per core and raises its trim threshold after
// every large block it frees, so memory freed after a load stayed in the process (docs/gateway.md#memory-what-to-expect).
export const GATEWAY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold (glibc's default value) also stops the dynamic one: large blocks stay mmapped, returned on free.
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** V8 flags a gateway's node starts with, each unless node was given that flag already (on its command line, or in
 * NODE_OPTIONS where node allows it). Under load V8 grows the young generation to two 64 MiB semi-spaces and lets the
 * old one reach 3–4× what is live; capped at 16 MiB and 1.25×, RSS after a sustained load stayed under 2× idle for
 * ~0–10% more CPU per request (docs/gateway.md#rss-under-a-sustained-load). 0 for either is V8's own sizing:
 * `node --max-semi-space-size=0 --heap-growing-percent=0 bin/switchyard.js gateway …`. */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16', '--heap-growing-percent=25'];
