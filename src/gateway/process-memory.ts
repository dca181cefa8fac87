// The allocator settings a gateway process starts with (bin/switchyard.js sets them for `switchyard gateway`, the
// workers inherit them). glibc's malloc otherwise keeps up to 8 arenas per core and raises its trim threshold after
// every large block it frees, so memory freed after a load stayed in the process (docs/gateway.md#memory-what-to-expect).
export const GATEWAY_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  // A fixed threshold (glibc's default value) also stops the dynamic one: large blocks stay mmapped, returned on free.
  MALLOC_TRIM_THRESHOLD_: '131072',
};
