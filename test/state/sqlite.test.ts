// Runs the StateStore conformance suite against the SQLite store (a file shared by two handles) and the private
// in-memory variant, plus SQLite-specific checks: file modes and schema version.
import { it, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStore, statePath, stateHome } from '../../src/state/open.ts';
import { MIGRATIONS } from '../../src/state/sqlite/migrations.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { storeConformance } from './store.case.ts';

storeConformance(
  'sqlite',
  () => {
    const ws = tempWorkspace('switchyard-store-');
    return { open: () => openStore({ home: ws.home, pollIntervalMs: 50 }), cleanup: () => ws.cleanup() };
  },
  {},
);

storeConformance('memory', () => ({ open: () => openStore({ kind: 'memory' }), cleanup: () => {} }), {
  'health survives close and reopen': 'a memory store is private to one handle and gone when closed',
  'two handles: counters add up and changes are seen and announced': 'a memory store cannot be shared',
  'a reset of one key recorded under another name is written: another handle and a reopen see it':
    'a memory store cannot be shared',
  'stored credentials: order, identity, removal, visible to another handle': 'a memory store cannot be shared',
  'stored credentials: the host a key was added for is kept, and can be rebound': 'a memory store cannot be shared',
  'an appended message is durable before flush': 'a memory store cannot be shared',
  'breakers: shared with another handle': 'a memory store cannot be shared',
  'affinity: shared with another handle, the later record winning': 'a memory store cannot be shared',
  'affinity: a new handle starts from the records not expired': 'a memory store cannot be shared',
  'conversations: a turn one handle kept is read by another': 'a memory store cannot be shared',
  'forgetHealth: a new handle does not see the forgotten record': 'a memory store cannot be shared',
  'leases: two handles never hold one lease at once': 'a memory store cannot be shared',
  'leases: a holder that stopped renewing loses the lease to another handle, and its late renewal is refused':
    'a memory store cannot be shared',
  'mint records: fields are set, kept and cleared, and another handle reads them at once':
    'a memory store cannot be shared',
});

describe('sqlite store files', () => {
  it('creates a private directory and 0600 files under SWITCHYARD_HOME', async () => {
    using ws = tempWorkspace();
    const home = join(ws.dir, 'fresh', 'state');
    const store = openStore({ home });
    store.applyHealth('fp', { provider: 'p', at: 1, add_uses: 1 });
    await store.flush();
    assert.equal(store.location, join(home, 'state.db'));
    for (const f of ['state.db', 'state.db-wal', 'state.db-shm'])
      assert.equal(statSync(join(home, f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(home).mode & 0o777, 0o700);
    await store.close();
  });

  it('finds its home the documented way', () => {
    assert.equal(stateHome({ SWITCHYARD_HOME: '/a', XDG_STATE_HOME: '/b', HOME: '/h' }), '/a');
    assert.equal(stateHome({ XDG_STATE_HOME: '/b', HOME: '/h' }), '/b/switchyard');
    assert.equal(stateHome({ HOME: '/h' }), '/h/.local/state/switchyard');
    assert.equal(statePath({ env: { SWITCHYARD_HOME: '/a' } }), '/a/state.db');
  });

  it('a state file from before the probe window (schema 1) is upgraded in place, its health kept', async () => {
    using ws = tempWorkspace();
    mkdirSync(ws.home, { recursive: true });
    const old = new DatabaseSync(join(ws.home, 'state.db'));
    old.exec(MIGRATIONS[0]!);
    old.exec('PRAGMA user_version = 1');
    old
      .prepare(
        "INSERT INTO health (fingerprint, provider, state, reason, until, successes, failures, uses, state_at, updated_at, seq) VALUES ('fp', 'p', 'cooling', 'auth_suspect', 9000, 1, 3, 4, 1000, 1000, 1)",
      )
      .run();
    old.close();
    const store = openStore({ home: ws.home });
    assert.deepEqual(
      [store.getHealth('fp')?.reason, store.getHealth('fp')?.failures, store.getHealth('fp')?.probe_at],
      ['auth_suspect', 3, undefined],
    );
    store.applyHealth('fp', { provider: 'p', at: 2000, probe_at: 5000 });
    await store.close();
    const again = openStore({ home: ws.home });
    assert.equal(again.getHealth('fp')?.probe_at, 5000);
    await again.close();
  });

  it('a state file from before stored keys had hosts (schema 2) is upgraded in place: its keys are kept, with no host', async () => {
    using ws = tempWorkspace();
    mkdirSync(ws.home, { recursive: true });
    const old = new DatabaseSync(join(ws.home, 'state.db'));
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
    old.exec('PRAGMA user_version = 2');
    old
      .prepare(
        "INSERT INTO credentials (provider, id, secret, label, priority, created_at) VALUES ('p', 'aaaa1111bbbb', 'sk-old-secret-0001', 'old', 0, 1000)",
      )
      .run();
    old.close();
    const store = openStore({ home: ws.home });
    const [key] = store.listStoredCredentials('p');
    assert.deepEqual([key?.id, key?.label, key?.origin], ['aaaa1111bbbb', 'old', undefined]);
    assert.equal(store.status().schemaVersion, MIGRATIONS.length);
    store.bindStoredCredential('p', 'old', 'https://api.example.com');
    await store.close();
    const again = openStore({ home: ws.home });
    assert.equal(again.listStoredCredentials('p')[0]?.origin, 'https://api.example.com');
    await again.close();
  });

  it('a state file from before mint reasons (schema 4) is upgraded in place: its mint records are kept', async () => {
    using ws = tempWorkspace();
    mkdirSync(ws.home, { recursive: true });
    const old = new DatabaseSync(join(ws.home, 'state.db'));
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    old.exec('PRAGMA user_version = 4');
    old
      .prepare(
        "INSERT INTO mints (id, provider, refresh_token, minted_at, expires_at, updated_at) VALUES ('src', 'p', 'rt-1', 1000, 9000, 1000)",
      )
      .run();
    old.close();
    const store = openStore({ home: ws.home });
    const before = await store.readMint('src');
    assert.deepEqual([before?.refresh_token, before?.minted_at, before?.mint_reason], ['rt-1', 1000, undefined]);
    await store.writeMint('src', { provider: 'p', at: 2000, minted_at: 2000, mint_reason: 'rejected_401' });
    await store.close();
    const again = openStore({ home: ws.home });
    const after = await again.readMint('src');
    assert.deepEqual([after?.refresh_token, after?.mint_reason], ['rt-1', 'rejected_401']);
    await again.close();
  });

  it('refuses an unknown state kind with a clear message', () => {
    assert.throws(() => openStore({ kind: 'postgres://x' }), /gateway\.state: expected sqlite/);
  });
});
