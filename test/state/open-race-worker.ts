// Opens the state store in `home` at the wall-clock instant `at` (ms), so several processes open a new file at the
// same moment; exits 0 when it opened and closed cleanly, 1 with the error otherwise. Used by open-race.test.ts.
import { openStore } from '../../src/state/open.ts';

const [home, at] = process.argv.slice(2);
while (Date.now() < Number(at)) {
  // spin: a timer would spread the processes over a millisecond or more
}
try {
  const store = openStore({ home: home! });
  await store.close();
} catch (err) {
  process.stderr.write(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
