// The live probe goes down the route ladder pinned to its one key: its wait before asking a rejected key again is the
// injected sleep with the injected jitter, as a request's is, and it never turns to another key of the provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';
import { openStore } from '../../src/state/open.ts';
import { CredentialPool } from '../../src/credentials/pool.ts';
import { probeProviders } from '../../src/inspect/probe-all.ts';
import { adapterFor } from '../../src/providers/registry.ts';
import { loadedFrom } from '../routing/helpers.ts';

const FLAKY = 'sk-probe-ladder-flaky-0001';
const OTHER = 'sk-probe-ladder-other-0002';

test('a probe asks a known-good key again after a rejection through the injected sleep and random, never another key', async () => {
  // The first call answers, then one transient 401, then the key answers again.
  await using sim = await startSimulator({ scenario: { keys: { [FLAKY]: { script: ['ok', 401, 'ok'] } } } });
  await using store = openStore({ kind: 'memory' });
  const loaded = loadedFrom({
    providers: { p: { type: 'openai', base_url: `${sim.url}/v1`, api_keys: [FLAKY, OTHER] } },
    main: { provider: 'p', model: 'sim-large' },
    retry: { auth_retries: 2, base_delay: 5_000, max_delay: 5_000 },
  });
  const pool = new CredentialPool({ loaded, store });
  const flaky = pool.candidates('p').find((c) => c.credential.masked.endsWith('0001'))!.credential;
  const waits: number[] = [];
  let draws = 0;
  const probe = (record: boolean): ReturnType<typeof probeProviders> =>
    probeProviders({
      loaded,
      store,
      pool,
      adapterFor,
      providers: ['p'],
      id: flaky.fingerprint,
      record,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => {
        draws += 1;
        return 0.5;
      },
    });

  const first = await probe(true);
  assert.equal(first[0]?.results[0]?.status, 'valid', 'recorded: the key is known-good');
  const second = await probe(false);
  const result = second[0]?.results[0];
  assert.equal(result?.status, 'valid');
  assert.equal(result?.credential.fingerprint, flaky.fingerprint);
  assert.equal(waits.length, 1, 'one wait before asking again');
  assert.ok(waits[0]! > 0 && waits[0]! <= 5_000, `the wait is the backoff's (${waits[0]})`);
  assert.ok(draws > 0, 'the jitter came from the injected random');
  assert.equal(sim.calls(OTHER), 0, 'the other key was never sent');
  assert.equal(sim.calls(FLAKY), 3);
});
