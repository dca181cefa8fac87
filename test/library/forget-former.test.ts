// Forgetting the health of former credentials: which records go (unknown to the config, a month unchanged, no
// cooldown running), which stay, and that a gateway does it when it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import { emptyHealth } from '../../src/state/merge.ts';
import { openStore } from '../../src/state/open.ts';
import { createSwitchyard } from '../../src/library/switchyard.ts';
import { FORGET_AFTER_MS, formerHealth, knownFingerprints } from '../../src/library/forget-former.ts';
import { startGateway } from '../../src/gateway/server/server.ts';
import { loadedFrom } from '../routing/helpers.ts';

const NOW = Date.UTC(2026, 10, 22);
const OLD = NOW - FORGET_AFTER_MS - 1000;

function record(fp: string, updatedAt: number, until?: number) {
  const r = { ...emptyHealth(fp, 'p'), updated_at: updatedAt };
  return until === undefined ? r : { ...r, state: 'cooling' as const, until };
}

test('formerHealth: only records the config does not know, unchanged for a month, with no cooldown running', () => {
  const known = new Set(['known-old']);
  const records = [
    record('gone-old', OLD),
    record('gone-recent', NOW - 1000),
    record('known-old', OLD),
    record('gone-cooling', OLD, NOW + 60_000),
  ];
  assert.deepEqual(formerHealth(records, known, NOW), ['gone-old']);
});

test('knownFingerprints: a config with no main route still names a task key (the gateway warned "could not forget former credentials")', async () => {
  const loaded = loadedFrom({
    providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-known-one-0001' } },
    auxiliary: { title_generation: { provider: 'p', model: 'm', api_key: 'sk-task-own-key-0003' } },
  });
  await using router = createSwitchyard({ config: loaded, store: openStore({ kind: 'memory' }) });
  const known = knownFingerprints(router);
  assert.ok(known.has(fingerprint('sk-known-one-0001')));
  assert.ok(known.has(fingerprint('sk-task-own-key-0003')));
});

test('knownFingerprints: every provider key and a task-level api_key', async () => {
  const loaded = loadedFrom({
    providers: {
      p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_keys: ['sk-known-one-0001', 'sk-known-two-0002'] },
    },
    main: { provider: 'p', model: 'm' },
    auxiliary: { title_generation: { provider: 'p', model: 'm', api_key: 'sk-task-own-key-0003' } },
  });
  await using store = openStore({ kind: 'memory' });
  await using router = createSwitchyard({ config: loaded, store });
  const known = knownFingerprints(router);
  for (const key of ['sk-known-one-0001', 'sk-known-two-0002', 'sk-task-own-key-0003'])
    assert.ok(known.has(fingerprint(key)), key);
  assert.equal(known.size, 3);
});

test('a gateway forgets former credentials when it starts, and keeps the health of the ones it uses', async () => {
  await using store = openStore({ kind: 'memory' });
  const old = Date.now() - FORGET_AFTER_MS - 60_000;
  const configured = fingerprint('sk-still-configured-01');
  store.applyHealth('removed-long-ago', { provider: 'p', at: old, add_uses: 3 });
  store.applyHealth(configured, { provider: 'p', at: old, add_uses: 5 });
  await store.flush();
  const loaded = loadedFrom({
    providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-still-configured-01' } },
    main: { provider: 'p', model: 'm' },
    gateway: { require_keys: false },
  });
  await using _gw = await startGateway({ loaded, store, listen: '127.0.0.1:0', watch: false });
  assert.equal(store.getHealth('removed-long-ago'), undefined);
  assert.equal(store.getHealth(configured)?.uses, 5);
});
