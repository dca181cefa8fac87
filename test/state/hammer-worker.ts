// A child process for the two-process hammer test: records failures, or resets, in a loop on a shared store.
// Usage: node hammer-worker.ts HOME fail|reset COUNT [STATE] (STATE: sqlite, the default, or a redis:// URL).
// Prints {"lastAt": …} when done.
import { openStore } from '../../src/state/open.ts';

const [home, role, countText, kind = 'sqlite'] = process.argv.slice(2);
if (!home || (role !== 'fail' && role !== 'reset')) throw new Error('usage: hammer-worker.ts HOME fail|reset COUNT');
const count = Number(countText);
// Short intervals so the two processes' transactions and polls interleave as much as possible.
const store = openStore({ home, kind, flushIntervalMs: 2, pollIntervalMs: 5 });
await store.ready();
let lastAt = 0;
for (let i = 0; i < count; i++) {
  const at = Date.now();
  if (role === 'fail') {
    store.applyHealth('fp-hammer', {
      provider: 'p',
      at,
      state: 'cooling',
      reason: 'rate_limited',
      until: at + 60_000,
      add_failures: 1,
      last_failure_at: at,
      last_failure_kind: 'rate_limited',
    });
  } else {
    store.resetHealth('p', undefined, at);
    store.applyHealth('fp-hammer', { provider: 'p', at, add_uses: 1 });
  }
  lastAt = at;
  await new Promise((r) => (i % 25 === 0 ? setTimeout(r, 1) : setImmediate(r)));
}
await store.close();
process.stdout.write(JSON.stringify({ lastAt }) + '\n');
