// The gateway's client keys across processes, through two real SQLite stores on one file (the gateway's and the
// CLI's): a key `gateway keys create` has just written works on its first request, before the gateway's store has
// polled the file (it did not for up to 250 ms: a 401 "invalid or revoked gateway key" for a key seconds old).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/state/open.ts';
import { KeyCache } from '../../src/gateway/keys/key-cache.ts';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('a key created by another process a moment ago is accepted at once', async () => {
  using ws = tempWorkspace('switchyard-keycache-');
  const home = ws.dir;
  // The gateway's store polls the file so rarely here that only the look-up on an unknown key can find the new one.
  await using gateway = openStore({ kind: 'sqlite', home, pollIntervalMs: 3_600_000 });
  await using cli = openStore({ kind: 'sqlite', home });
  let clock = 1_000_000;
  await using cache = new KeyCache(gateway, () => clock);
  clock += 1_000;
  const key = generateKey();
  cli.addGatewayKey(newKeyRecord(key, 'fresh', clock));
  assert.equal(cache.verify(key)?.name, 'fresh');
  assert.equal(cache.verify(generateKey()), undefined, 'an unknown key is still unknown');
});
