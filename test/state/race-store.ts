// The store a budget race's processes and its check open: the embedded file as a gateway opens it, or a Redis one
// whose bounds are long. The race checks how reserves interleave, not when one gives up on Redis (the outage tests
// do): at load 40 (three suites at once) a reserve took past the 250 ms bound, that replica admitted from its own
// book, and the shared counter held less than was admitted.
import { openStore } from '../../src/state/open.ts';
import { RedisStore } from '../../src/state/redis/store.ts';
import { SqliteStore } from '../../src/state/sqlite/store.ts';
import { isRedisUrl } from '../../src/config/redis-url.ts';
import type { StateStore } from '../../src/state/types.ts';

const PATIENT_MS = 30_000;

/** `warn`: what the store says when it stops sharing (said on the worker's stderr, which a failed test shows). */
export function openRaceStore(home: string, kind: string, warn: (message: string) => void = () => {}): StateStore {
  if (!isRedisUrl(kind)) return openStore({ home, kind });
  return new RedisStore({
    url: kind,
    local: new SqliteStore({ path: ':memory:' }),
    connectTimeoutMs: PATIENT_MS,
    commandTimeoutMs: PATIENT_MS,
    sharedTimeoutMs: PATIENT_MS,
    warn,
  });
}
