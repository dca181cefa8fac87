// The StateStore conformance suite. Every implementation (SQLite, Redis) runs it through a factory.
// `open()` returns a new handle on the same backing state, standing in for a second process.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import type { AffinityRecord, ConversationTurn, StoreChange } from '../../src/state/types.ts';
import { waitFor } from './wait.ts';
import { conformanceHandles, type SkipList, type StoreFactory } from './conformance-handles.ts';

export function storeConformance(name: string, makeFactory: () => StoreFactory, skip: SkipList = {}): void {
  describe(`StateStore conformance: ${name}`, () => {
    const { fresh, open, test } = conformanceHandles(makeFactory, skip);

    test('applyHealth is visible at once and merges counters', async () => {
      const s = await open(fresh());
      const a = s.applyHealth('fp1', {
        provider: 'p',
        at: 1000,
        add_failures: 1,
        state: 'cooling',
        reason: 'rate_limited',
        until: 5000,
      });
      assert.equal(a.failures, 1);
      s.applyHealth('fp1', { provider: 'p', at: 1001, add_failures: 2, add_uses: 1 });
      const r = s.getHealth('fp1');
      assert.equal(r?.failures, 3);
      assert.equal(r?.uses, 1);
      assert.equal(r?.state, 'cooling');
      assert.equal(r?.until, 5000);
      assert.deepEqual(
        s.allHealth().map((h) => h.fingerprint),
        ['fp1'],
      );
      assert.equal(s.getHealth('nope'), undefined);
    });

    test('a reset wins over earlier failures but not over later ones', async () => {
      const s = await open(fresh());
      s.applyHealth('fp', {
        provider: 'p',
        at: 1000,
        state: 'cooling',
        reason: 'quota',
        until: 99_000,
        add_failures: 1,
      });
      s.resetHealth('p', undefined, 2000);
      assert.equal(s.getHealth('fp')?.state, 'ok');
      // A failure recorded before the reset (arriving late) does not undo it.
      s.applyHealth('fp', {
        provider: 'p',
        at: 1500,
        state: 'cooling',
        reason: 'rate_limited',
        until: 50_000,
        add_failures: 1,
      });
      assert.equal(s.getHealth('fp')?.state, 'ok');
      assert.equal(s.getHealth('fp')?.failures, 2);
      s.applyHealth('fp', { provider: 'p', at: 2500, state: 'cooling', reason: 'rate_limited', until: 60_000 });
      assert.equal(s.getHealth('fp')?.state, 'cooling');
    });

    test('a cooldown is never shortened', async () => {
      const s = await open(fresh());
      s.applyHealth('fp', { provider: 'p', at: 1000, state: 'cooling', reason: 'quota', until: 90_000 });
      s.applyHealth('fp', { provider: 'p', at: 2000, state: 'cooling', reason: 'rate_limited', until: 3_000 });
      assert.equal(s.getHealth('fp')?.until, 90_000);
      assert.equal(s.getHealth('fp')?.reason, 'quota');
    });

    test("a suspect key's probe window only moves forward, is not a change of state, and a reset clears it", async () => {
      const s = await open(fresh());
      s.applyHealth('fp', {
        provider: 'p',
        at: 1000,
        state: 'cooling',
        reason: 'auth_suspect',
        until: 301_000,
        probe_at: 31_000,
      });
      s.applyHealth('fp', { provider: 'p', at: 1500, probe_at: 61_000 });
      s.applyHealth('fp', { provider: 'p', at: 1600, probe_at: 41_000 });
      assert.equal(s.getHealth('fp')?.probe_at, 61_000);
      assert.equal(s.getHealth('fp')?.state_at, 1000, 'taking a probe is not a change of state');
      s.resetHealth('p', 'fp', 2000);
      assert.deepEqual([s.getHealth('fp')?.state, s.getHealth('fp')?.probe_at], ['ok', undefined]);
    });

    test('resetHealth by fingerprint leaves the others', async () => {
      const s = await open(fresh());
      s.applyHealth('a', { provider: 'p', at: 1000, state: 'rejected', until: 9000 });
      s.applyHealth('b', { provider: 'p', at: 1000, state: 'rejected', until: 9000 });
      s.applyHealth('c', { provider: 'q', at: 1000, state: 'rejected', until: 9000 });
      s.resetHealth('p', 'a', 2000);
      assert.deepEqual(
        ['a', 'b', 'c'].map((f) => s.getHealth(f)?.state),
        ['ok', 'rejected', 'rejected'],
      );
      s.resetHealth('p', undefined, 3000);
      assert.deepEqual(
        ['a', 'b', 'c'].map((f) => s.getHealth(f)?.state),
        ['ok', 'ok', 'rejected'],
      );
    });

    test('resetHealth of one key clears it whichever provider recorded it; a provider-wide reset goes by the name', async () => {
      // Health is per key: a key p recorded (shared with q, or p renamed to q) is q's key's health too.
      const s = await open(fresh());
      s.applyHealth('shared', { provider: 'p', at: 1000, state: 'rejected', until: 9e12 });
      s.applyHealth('own', { provider: 'p', at: 1000, state: 'cooling', reason: 'quota', until: 9e12 });
      s.resetHealth('q', 'shared', 2000);
      assert.deepEqual(
        ['shared', 'own'].map((fp) => s.getHealth(fp)?.state),
        ['ok', 'cooling'],
      );
      s.resetHealth('q', undefined, 3000);
      assert.equal(s.getHealth('own')?.state, 'cooling', "q's reset leaves what p recorded of keys q does not name");
      assert.equal(s.getHealth('shared')?.provider, 'p', 'the record keeps the name it was written under');
    });

    test('a reset of one key recorded under another name is written: another handle and a reopen see it', async () => {
      const f = fresh();
      const s = await open(f);
      const other = await open(f);
      s.applyHealth('shared', { provider: 'p', at: 1000, state: 'rejected', until: 9e12 });
      s.applyHealth('own', { provider: 'p', at: 1000, state: 'cooling', reason: 'quota', until: 9e12 });
      await s.flush();
      await waitFor(() => other.getHealth('own')?.state === 'cooling', 'the second handle to see the cooldown');
      s.resetHealth('q', 'shared', 2000);
      s.resetHealth('q', undefined, 3000);
      await s.flush();
      await waitFor(() => other.getHealth('shared')?.state === 'ok', 'the second handle to see the reset');
      assert.equal(other.getHealth('own')?.state, 'cooling');
      const reopened = await open(f);
      assert.deepEqual(
        ['shared', 'own'].map((fp) => reopened.getHealth(fp)?.state),
        ['ok', 'cooling'],
      );
    });

    test('a reset queued in the same flush as the first failure of a key still clears it', async () => {
      // The failure and the reset reach the store together: the key has no row yet when the reset is written.
      const s = await open(fresh());
      s.applyHealth('new', { provider: 'p', at: 1000, state: 'rejected', until: 9e12, add_failures: 1 });
      s.resetHealth('q', 'new', 2000);
      await s.flush();
      assert.deepEqual([s.getHealth('new')?.state, s.getHealth('new')?.failures], ['ok', 1]);
    });

    test('health survives close and reopen', async () => {
      const f = fresh();
      const s = f.open();
      await s.ready();
      s.applyHealth('fp', {
        provider: 'p',
        at: 1000,
        state: 'cooling',
        reason: 'quota',
        until: 7000,
        add_failures: 4,
        last_failure_at: 1000,
        last_failure_kind: 'quota',
      });
      await s.close();
      const t = await open(f);
      const r = t.getHealth('fp');
      assert.equal(r?.failures, 4);
      assert.equal(r?.reason, 'quota');
      assert.equal(r?.last_failure_kind, 'quota');
      assert.equal(t.status().pendingWrites, 0);
      // A suspect key's probe window is kept too, and a reset written by this handle clears it for the next.
      t.applyHealth('sus', {
        provider: 'p',
        at: 1000,
        state: 'cooling',
        reason: 'auth_suspect',
        until: 301_000,
        probe_at: 31_000,
      });
      await t.close();
      const u = await open(f);
      assert.equal(u.getHealth('sus')?.probe_at, 31_000);
      u.resetHealth('p', 'sus', 2000);
      await u.close();
      const v = await open(f);
      assert.deepEqual([v.getHealth('sus')?.state, v.getHealth('sus')?.probe_at], ['ok', undefined]);
    });

    test('two handles: counters add up and changes are seen and announced', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const seen: StoreChange[] = [];
      b.onChange((c) => seen.push(c));
      a.applyHealth('fp', { provider: 'p', at: 1000, add_failures: 3 });
      b.applyHealth('fp', { provider: 'p', at: 1001, add_failures: 2 });
      await a.flush();
      await b.flush();
      await waitFor(() => a.getHealth('fp')?.failures === 5, 'handle a to see 5 failures');
      await waitFor(() => b.getHealth('fp')?.failures === 5, 'handle b to see 5 failures');
      a.applyHealth('fp', { provider: 'p', at: 2000, state: 'cooling', reason: 'rate_limited', until: 9e12 });
      await a.flush();
      await waitFor(() => b.getHealth('fp')?.state === 'cooling', 'handle b to see the cooldown');
      a.resetHealth('p', 'fp', 3000);
      await a.flush();
      await waitFor(() => b.getHealth('fp')?.state === 'ok', 'handle b to see the reset');
      assert.ok(seen.some((c) => c.type === 'health' && c.fingerprints.includes('fp')));
    });

    test('forgetHealth forgets only what is unchanged since the given time and has nothing queued', async () => {
      const s = await open(fresh());
      s.applyHealth('old', { provider: 'p', at: 1000, add_uses: 1 });
      s.applyHealth('new', { provider: 'p', at: 9000, add_uses: 1 });
      assert.deepEqual(s.forgetHealth(['old'], 5000), [], 'a write still queued keeps its record');
      await s.flush();
      assert.deepEqual(s.forgetHealth(['old', 'new', 'missing'], 5000), ['old']);
      assert.equal(s.getHealth('old'), undefined);
      assert.equal(s.getHealth('new')?.uses, 1);
    });

    test('forgetHealth: a new handle does not see the forgotten record', async () => {
      const f = fresh();
      const a = await open(f);
      a.applyHealth('old', { provider: 'p', at: 1000, add_uses: 1 });
      a.applyHealth('new', { provider: 'p', at: 9000, add_uses: 1 });
      await a.flush();
      a.forgetHealth(['old', 'new'], 5000);
      await a.flush();
      const b = await open(f);
      assert.equal(b.getHealth('old'), undefined);
      assert.equal(b.getHealth('new')?.uses, 1);
    });

    test('breakers: the later record wins', async () => {
      const s = await open(fresh());
      assert.equal(s.getBreaker('p'), undefined);
      s.setBreaker({ provider: 'p', state: 'open', at: 2000, opened_at: 2000 });
      s.setBreaker({ provider: 'p', state: 'closed', at: 1500 });
      assert.deepEqual(s.getBreaker('p'), { provider: 'p', state: 'open', at: 2000, opened_at: 2000 });
      s.setBreaker({ provider: 'p', state: 'closed', at: 2500 });
      assert.equal(s.getBreaker('p')?.state, 'closed');
    });

    test('breakers: shared with another handle', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      a.setBreaker({ provider: 'p', state: 'open', at: 2000, opened_at: 2000 });
      await a.flush();
      await waitFor(() => b.getBreaker('p')?.state === 'open', 'handle b to see the opening');
      b.setBreaker({ provider: 'p', state: 'closed', at: 3000 });
      // A stale record written late by a third party does not undo the closing.
      a.setBreaker({ provider: 'p', state: 'open', at: 2500, opened_at: 2500 });
      await b.flush();
      await a.flush();
      await waitFor(() => a.getBreaker('p')?.state === 'closed', 'handle a to see the closing');
      const c = await open(f);
      assert.equal(c.getBreaker('p')?.state, 'closed', 'a new handle starts from the shared records');
    });

    const affinity = (hash: string, at: number, fingerprint = 'fp1'): AffinityRecord => ({
      hash,
      provider: 'p',
      route: 'p/m',
      fingerprint,
      tokens: 1200,
      at,
      expires_at: at + 300_000,
    });

    test('affinity: a record is visible at once, the later one wins, and it is gone once expired', async () => {
      const s = await open(fresh());
      assert.equal(s.getAffinity('h1', 1000), undefined);
      s.setAffinity(affinity('h1', 1000));
      assert.deepEqual(s.getAffinity('h1', 2000), affinity('h1', 1000));
      s.setAffinity(affinity('h1', 5000, 'fp2'));
      assert.equal(s.getAffinity('h1', 6000)?.fingerprint, 'fp2');
      assert.equal(s.getAffinity('h1', 5000 + 300_000), undefined, 'expired');
      assert.equal(s.getAffinity('h1', 6000), undefined, 'an expired record is forgotten');
    });

    test('affinity: memory is bounded, the least recently used going first', async () => {
      const s = await open(fresh());
      s.limitAffinity(2);
      s.setAffinity(affinity('a', 1000));
      s.setAffinity(affinity('b', 1000));
      assert.ok(s.getAffinity('a', 1000), 'a used: b is now the least recently used');
      s.setAffinity(affinity('c', 1000));
      assert.equal(s.getAffinity('b', 1000), undefined);
      assert.ok(s.getAffinity('a', 1000));
      assert.ok(s.getAffinity('c', 1000));
    });

    test('affinity: shared with another handle, the later record winning', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const now = Date.now();
      a.setAffinity(affinity('conv', now));
      await a.flush();
      await waitFor(() => b.getAffinity('conv', now) !== undefined, 'handle b to see the record');
      b.setAffinity(affinity('conv', now + 10, 'fp2'));
      a.setAffinity(affinity('conv', now + 5, 'fp3'));
      await a.flush();
      await b.flush();
      await waitFor(() => a.getAffinity('conv', now + 10)?.fingerprint === 'fp2', 'handle a to take the later record');
      assert.equal(b.getAffinity('conv', now + 10)?.fingerprint, 'fp2', 'the earlier record does not replace it');
    });

    test('affinity: a new handle starts from the records not expired', async () => {
      const f = fresh();
      const a = await open(f);
      const now = Date.now();
      a.setAffinity(affinity('kept', now));
      a.setAffinity({ ...affinity('gone', now - 400_000) });
      await a.flush();
      const c = await open(f);
      assert.equal(c.getAffinity('kept', now)?.fingerprint, 'fp1');
      assert.equal(c.getAffinity('gone', now), undefined);
    });

    const turn = (id: string, at: number, extra: Partial<ConversationTurn> = {}): ConversationTurn => ({
      id,
      key: 'team',
      items: JSON.stringify([{ type: 'message', role: 'user', content: `hello ${id}` }]),
      route: 'p/m',
      fingerprint: 'fp1',
      at,
      expires_at: at + 3_600_000,
      ...extra,
    });

    test('conversations: a turn is readable at once, the later one wins, and it is gone once expired', async () => {
      const s = await open(fresh());
      const now = Date.now();
      assert.equal(await s.readConversationTurn('resp_1', now), undefined);
      s.putConversationTurn(turn('resp_1', now));
      assert.deepEqual(await s.readConversationTurn('resp_1', now), turn('resp_1', now));
      s.putConversationTurn(turn('resp_2', now, { parent: 'resp_1', ancestors: ['resp_1'], upstream_knows: true }));
      assert.equal((await s.readConversationTurn('resp_2', now))?.parent, 'resp_1');
      assert.equal((await s.readConversationTurn('resp_2', now))?.upstream_knows, true);
      assert.deepEqual((await s.readConversationTurn('resp_2', now))?.ancestors, ['resp_1']);
      s.putConversationTurn(turn('resp_1', now + 5, { fingerprint: 'fp2' }));
      assert.equal((await s.readConversationTurn('resp_1', now + 5))?.fingerprint, 'fp2');
      // A minute past its expiry: Redis counts a key's time on its own clock, which runs on while the test does.
      const past = now + 5 + 3_600_000 + 60_000;
      assert.equal(await s.readConversationTurn('resp_1', past), undefined, 'expired');
      await s.flush();
      assert.equal(await s.readConversationTurn('resp_1', past), undefined, 'expired in the store too');
    });

    test('conversations: a turn one handle kept is read by another', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const now = Date.now();
      const { items: _items, ...withoutItems } = turn('resp_shared', now, { too_large: true });
      a.putConversationTurn(withoutItems);
      a.putConversationTurn(turn('resp_big', now, { items: JSON.stringify([{ text: 'x'.repeat(100_000) }]) }));
      await a.flush();
      const read = await b.readConversationTurn('resp_shared', now);
      assert.equal(read?.too_large, true);
      assert.equal(read?.items, undefined);
      assert.equal((await b.readConversationTurn('resp_big', now))?.items?.length, 100_013);
      assert.equal(await b.readConversationTurn('resp_unknown', now), undefined);
      // The upstream's own id for a response the caller knows by the gateway's travels with it.
      a.putConversationTurn(turn('resp_ours', now, { upstream_knows: true, upstream_id: 'resp_theirs' }));
      await a.flush();
      assert.equal((await b.readConversationTurn('resp_ours', now))?.upstream_id, 'resp_theirs');
      // The response object (GET /v1/responses/{id}) and a deletion travel with the turn.
      a.putConversationTurn(turn('resp_obj', now, { inputs: 1, response: '{"id":"resp_obj"}' }));
      const { items: _gone, ...tombstone } = turn('resp_del', now + 1, { deleted: true });
      a.putConversationTurn(tombstone);
      await a.flush();
      const obj = await b.readConversationTurn('resp_obj', now);
      assert.deepEqual([obj?.inputs, obj?.response], [1, '{"id":"resp_obj"}']);
      assert.equal((await b.readConversationTurn('resp_del', now + 1))?.deleted, true);
      const many = await b.readConversationTurns(['resp_big', 'resp_unknown', 'resp_shared'], now);
      assert.deepEqual(
        many.map((t) => t?.id),
        ['resp_big', undefined, 'resp_shared'],
        'several at once, in the order asked',
      );
    });

    test('conversations: a continued turn is kept as long as the turn continuing it', async () => {
      const f = fresh();
      const a = await open(f);
      const now = Date.now();
      a.putConversationTurn(turn('resp_old', now - 3_000_000));
      a.extendConversationTurns(['resp_old'], now + 3_600_000);
      await a.flush();
      assert.ok(await a.readConversationTurn('resp_old', now + 1_000_000), 'kept past its own expiry');
      const b = await open(f);
      const read = await b.readConversationTurn('resp_old', now + 1_000_000);
      assert.ok(read === undefined || read.expires_at >= now + 3_500_000, 'another handle sees the later expiry');
    });

    test('stored credentials: order, identity, removal, visible to another handle', async () => {
      const f = fresh();
      const s = await open(f);
      const other = await open(f);
      s.addStoredCredential({
        id: 'aaaa1111bbbb',
        provider: 'p',
        secret: 'sk-one-secret-0001',
        priority: 5,
        label: 'backup',
      });
      s.addStoredCredential({ id: 'cccc2222dddd', provider: 'p', secret: 'sk-two-secret-0002', priority: 1 });
      s.addStoredCredential({ id: 'eeee3333ffff', provider: 'q', secret: 'sk-three-secret-03', priority: 0 });
      assert.deepEqual(
        s.listStoredCredentials('p').map((c) => c.id),
        ['cccc2222dddd', 'aaaa1111bbbb'],
      );
      assert.equal(s.listStoredCredentials().length, 3);
      assert.throws(
        () => s.addStoredCredential({ id: 'aaaa1111bbbb', provider: 'p', secret: 'sk-one-secret-0001', priority: 0 }),
        /already stored/,
      );
      await waitFor(() => other.listStoredCredentials('p').length === 2, 'the other handle to see stored keys');
      assert.equal(s.removeStoredCredential('p', 'backup')?.id, 'aaaa1111bbbb');
      assert.equal(s.removeStoredCredential('p', 'cccc')?.id, 'cccc2222dddd');
      assert.equal(s.removeStoredCredential('p', 'zzzz'), undefined);
      assert.deepEqual(s.listStoredCredentials('p'), []);
      await waitFor(() => other.listStoredCredentials('p').length === 0, 'the other handle to see removals');
    });

    test('stored credentials: the host a key was added for is kept, and can be rebound', async () => {
      const f = fresh();
      const s = await open(f);
      s.addStoredCredential({
        id: 'aaaa1111bbbb',
        provider: 'p',
        secret: 'sk-one-secret-0001',
        priority: 0,
        label: 'work',
        origin: 'https://api.example.com',
      });
      s.addStoredCredential({ id: 'cccc2222dddd', provider: 'p', secret: 'sk-two-secret-0002', priority: 1 });
      assert.deepEqual(
        s.listStoredCredentials('p').map((c) => c.origin),
        ['https://api.example.com', undefined],
      );
      const before = s.bindStoredCredential('p', 'work', 'http://127.0.0.1:8080');
      assert.equal(before?.origin, 'https://api.example.com', 'returns the record as it was');
      assert.equal(s.bindStoredCredential('p', 'cccc', 'https://api.example.com')?.id, 'cccc2222dddd');
      assert.equal(s.bindStoredCredential('p', 'zzzz', 'https://api.example.com'), undefined);
      assert.deepEqual(
        s.listStoredCredentials('p').map((c) => c.origin),
        ['http://127.0.0.1:8080', 'https://api.example.com'],
      );
      const again = await open(f);
      assert.deepEqual(
        again.listStoredCredentials('p').map((c) => c.origin),
        ['http://127.0.0.1:8080', 'https://api.example.com'],
      );
    });

    test('gateway keys: add, find by hash, revoke, touch', async () => {
      const s = await open(fresh());
      s.addGatewayKey({ id: 'k1', name: 'ci', hash: 'h1', prefix: 'sy-ab', created_at: 1000 });
      s.addGatewayKey({ id: 'k2', name: 'laptop', hash: 'h2', prefix: 'sy-cd', created_at: 2000 });
      assert.equal(s.findGatewayKeyByHash('h2')?.name, 'laptop');
      assert.equal(s.findGatewayKeyByHash('nope'), undefined);
      s.touchGatewayKey('k1', 5000);
      assert.equal(s.listGatewayKeys().find((k) => k.id === 'k1')?.last_used_at, 5000);
      const revoked = s.revokeGatewayKey('ci');
      assert.equal(revoked?.id, 'k1');
      assert.ok(s.findGatewayKeyByHash('h1')?.revoked_at !== undefined);
      assert.equal(s.revokeGatewayKey('ci'), undefined);
      await s.flush();
      assert.equal(s.listGatewayKeys().find((k) => k.id === 'k1')?.last_used_at, 5000);
    });

    test('sessions and messages', async () => {
      const s = await open(fresh());
      s.createSession({ id: 's1', title: 'Hello', title_source: 'derived', created_at: 1, updated_at: 1 });
      s.createSession({
        id: 's2',
        title: 'Other',
        title_source: 'derived',
        route: 'p/m',
        created_at: 2,
        updated_at: 2,
      });
      for (let i = 1; i <= 5; i++)
        s.appendMessage({
          session_id: 's1',
          seq: i,
          role: i % 2 ? 'user' : 'assistant',
          content: `m${i}`,
          created_at: i,
        });
      s.updateSession('s1', { title: 'Better', title_source: 'generated', updated_at: 10 });
      assert.equal(s.getSession('s1')?.title, 'Better');
      assert.deepEqual(
        s.listSessions().map((x) => x.id),
        ['s1', 's2'],
      );
      s.replaceMessages('s1', 2, 4, {
        session_id: 's1',
        seq: 2,
        role: 'system',
        content: 'summary',
        kind: 'summary',
        created_at: 11,
      });
      assert.deepEqual(
        s.listMessages('s1').map((m) => [m.seq, m.content]),
        [
          [1, 'm1'],
          [2, 'summary'],
          [5, 'm5'],
        ],
      );
      assert.equal(s.listMessages('s1')[1]?.kind, 'summary');
      assert.equal(s.deleteSession('s1'), true);
      assert.equal(s.deleteSession('s1'), false);
      assert.deepEqual(s.listMessages('s1'), []);
      assert.equal(s.getSession('s2')?.route, 'p/m');
    });

    test('an appended message is durable before flush', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      a.createSession({ id: 's', title: 't', title_source: 'user', created_at: 1, updated_at: 1 });
      a.appendMessage({ session_id: 's', seq: 1, role: 'user', content: 'hi', prompt_tokens: 3, created_at: 1 });
      assert.deepEqual(
        b.listMessages('s').map((m) => [m.content, m.prompt_tokens]),
        [['hi', 3]],
      );
    });

    test('leases: one holder at a time; the holder extends it, and it is free again once let go', async () => {
      const s = await open(fresh());
      assert.equal(await s.acquireLease('mint:a', 'one', 60_000), true);
      assert.equal(await s.acquireLease('mint:a', 'two', 60_000), false);
      assert.equal(await s.acquireLease('mint:a', 'one', 60_000), true, 'its holder extends it');
      assert.equal(await s.acquireLease('mint:b', 'two', 60_000), true, 'another lease is another lock');
      await s.releaseLease('mint:a', 'two');
      assert.equal(await s.acquireLease('mint:a', 'two', 60_000), false, 'only the holder lets it go');
      await s.releaseLease('mint:a', 'one');
      assert.equal(await s.acquireLease('mint:a', 'two', 60_000), true);
    });

    test('leases: one that has run out is taken by the next', async () => {
      const s = await open(fresh());
      assert.equal(await s.acquireLease('mint:x', 'one', 1), true);
      await waitFor(() => s.acquireLease('mint:x', 'two', 60_000), 'the lease to run out');
      assert.equal(await s.acquireLease('mint:x', 'one', 60_000), false);
    });

    test('leases: two handles never hold one lease at once', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      const taken = await Promise.all([a.acquireLease('mint:r', 'a', 60_000), b.acquireLease('mint:r', 'b', 60_000)]);
      assert.deepEqual(taken.filter(Boolean).length, 1);
      const holder = taken[0] ? a : b;
      await holder.releaseLease('mint:r', taken[0] ? 'a' : 'b');
      const other = taken[0] ? b : a;
      assert.equal(await other.acquireLease('mint:r', taken[0] ? 'b' : 'a', 60_000), true);
    });

    test('leases: a holder that stopped renewing loses the lease to another handle, and its late renewal is refused', async () => {
      // The once-per-deployment jobs' case (gateway/server/cluster-jobs.ts): a hung replica must learn it no longer runs the job.
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      assert.equal(await a.acquireLease('job:usage-prune', 'a', 1), true);
      await waitFor(() => b.acquireLease('job:usage-prune', 'b', 60_000), 'the lease to run out and pass to b');
      assert.equal(await a.acquireLease('job:usage-prune', 'a', 60_000), false, 'the former holder cannot renew it');
      assert.equal(await b.acquireLease('job:usage-prune', 'b', 60_000), true, 'the new holder renews it');
      await b.releaseLease('job:usage-prune', 'b');
      assert.equal(await a.acquireLease('job:usage-prune', 'a', 60_000), true, 'let go, it is free at once');
    });

    test('mint records: fields are set, kept and cleared, and another handle reads them at once', async () => {
      const f = fresh();
      const a = await open(f);
      const b = await open(f);
      assert.equal(await a.readMint('src1'), undefined);
      await a.writeMint('src1', {
        provider: 'p',
        at: 1000,
        refresh_token: 'rt-2',
        refresh_seed: 'seed',
        minted_at: 1000,
        mint_reason: 'first',
        expires_at: 4600_000,
      });
      await a.writeMint('src1', { provider: 'p', at: 2000, error: 'invalid_grant', error_at: 2000 });
      assert.deepEqual(await b.readMint('src1'), {
        id: 'src1',
        provider: 'p',
        refresh_token: 'rt-2',
        refresh_seed: 'seed',
        minted_at: 1000,
        mint_reason: 'first',
        expires_at: 4600_000,
        error: 'invalid_grant',
        error_at: 2000,
        updated_at: 2000,
      });
      await b.writeMint('src1', {
        provider: 'p',
        at: 3000,
        refresh_token: 'rt-3',
        error: null,
        error_at: null,
        minted_at: 3000,
        mint_reason: 'rejected_401',
      });
      const r = await a.readMint('src1');
      assert.equal(r?.refresh_token, 'rt-3');
      assert.equal(r?.error, undefined);
      assert.equal(r?.minted_at, 3000);
      assert.equal(r?.mint_reason, 'rejected_401');
    });

    test('status, flush and close are safe to repeat', async () => {
      const s = fresh().open(); // closed here, not by after()
      await s.ready();
      const st = s.status();
      assert.equal(st.ok, true);
      assert.ok(st.schemaVersion >= 1);
      await s.flush();
      await s.flush();
      await s.close();
      await s.close();
    });
  });
}
