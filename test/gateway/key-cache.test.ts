// The gateway's client keys across processes, through two real SQLite stores on one file (the gateway's and the
// CLI's): a key `gateway keys create` has just written works on its first request, before the gateway's store has
// polled the file (it did not for up to 250 ms: a 401 "invalid or revoked gateway key" for a key seconds old); a key
// revoked there refused within a second of requests, with no timer waking an idle gateway to look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/state/open.ts';
import { KeyCache } from '../../src/gateway/keys/key-cache.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { timersSetBy } from '../helpers/timers-set.ts';

/** The gateway's store and the CLI's, on one file; the gateway's polls it so rarely that it sees the CLI's writes only
 * when the key cache looks. */
function storesOnOneFile(home: string) {
  const gateway = openStore({ kind: 'sqlite', home, pollIntervalMs: 3_600_000 });
  const cli = openStore({ kind: 'sqlite', home });
  return {
    gateway,
    cli,
    async [Symbol.asyncDispose]() {
      await gateway.close();
      await cli.close();
    },
  };
}

test('a key created by another process a moment ago is accepted at once', async () => {
  using ws = tempWorkspace('switchyard-keycache-');
  // Only the look-up on an unknown key can find the new one.
  await using stores = storesOnOneFile(ws.dir);
  const { gateway, cli } = stores;
  let clock = 1_000_000;
  await using cache = new KeyCache(gateway, () => clock);
  clock += 1_000;
  const key = generateKey();
  cli.addGatewayKey(newKeyRecord(key, 'fresh', clock));
  assert.equal(cache.verify(key)?.name, 'fresh');
  assert.equal(cache.verify(generateKey()), undefined, 'an unknown key is still unknown');
});

test('a key revoked by another process is refused by the first request a second later, with no timer armed', async () => {
  using ws = tempWorkspace('switchyard-keycache-');
  // No poll and no change event reach the cache: only its own look a second on can see the revocation.
  await using stores = storesOnOneFile(ws.dir);
  const { gateway, cli } = stores;
  let clock = 1_000_000;
  const key = generateKey();
  cli.addGatewayKey(newKeyRecord(key, 'leaving', clock));
  gateway.syncGatewayKeys?.();
  const made = timersSetBy(() => new KeyCache(gateway, () => clock));
  await using cache = made.value;
  assert.equal(made.timers, 0, 'an idle gateway is not woken to look at its keys');
  assert.equal(cache.verify(key)?.name, 'leaving');
  cli.revokeGatewayKey('leaving');
  assert.equal(cache.verify(key)?.name, 'leaving', 'within the second the verified key stands');
  clock += 1_000;
  assert.equal(cache.verify(key), undefined, 'a second on, the request looks again and is refused');
});
