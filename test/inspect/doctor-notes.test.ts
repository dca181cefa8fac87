// What `doctor` says of a task whose provider has no key that can serve: the keys' outcomes as `auth test` names them,
// not "no key is valid" for keys that are merely rate-limited or resting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterFor } from '../../src/providers/registry.ts';
import { runDoctor } from '../../src/inspect/doctor.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { openStore } from '../../src/state/open.ts';
import { FAST_RETRY, loadedFrom } from '../routing/helpers.ts';

const NEVER = 'sk-doctor-notes-never-01';
const BUSY = 'sk-doctor-notes-busy-002';

test("a task whose keys are rejected and rate-limited is broken, and its note counts each key's outcome", async (t) => {
  const sim = await startSimulator({
    scenario: { keys: { [NEVER]: { valid: false }, [BUSY]: { script: ['429'], loop_script: true } } },
  });
  const store = openStore({ kind: 'memory' });
  t.after(async () => {
    await store.close();
    await sim.close();
  });
  const loaded = loadedFrom({
    providers: { p: { type: 'openai', base_url: `${sim.url}/v1`, api_keys: [NEVER, BUSY] } },
    main: { provider: 'p', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'none' }, compression: { provider: 'none' } },
    retry: FAST_RETRY,
  });
  const report = await runDoctor({ loaded, store, adapterFor });
  const main = report.tasks.find((t) => t.task === 'main');
  assert.equal(main?.status, 'broken');
  assert.equal(
    main?.routes[0]?.note,
    'no key of p can serve right now: 1 rejected (never worked), 1 rate-limited (see its probe)',
  );
});
