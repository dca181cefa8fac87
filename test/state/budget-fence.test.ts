// The fence's bookkeeping (src/state/redis/budget-fence.ts), on `INFO replication` texts as Redis writes them: which
// writes a replica has acknowledged, which are sent again after a reconnect and in what order, and when a master that
// lost its replica is trusted alone again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetFence, parseReplication, REPLICA_GRACE_MS, type HoldWrite } from '../../src/state/redis/budget-fence.ts';

const info = (offset: number, acked?: number, role = 'master'): string =>
  [
    '# Replication',
    `role:${role}`,
    `connected_slaves:${acked === undefined ? 0 : 1}`,
    ...(acked === undefined ? [] : [`slave0:ip=127.0.0.1,port=6380,state=online,offset=${acked},lag=0`]),
    `master_repl_offset:${offset}`,
    '',
  ].join('\r\n');

const hold = (name: string): HoldWrite => ({ hold: name, key: 'k', field: `h:${name}`, value: '1:9', keepUntil: 9 });

/** What the fence sends again, as the store's scripts would be called. */
async function replayed(fence: BudgetFence<string>): Promise<{ holds: string[]; settles: string[] }> {
  const sent = { holds: [] as string[], settles: [] as string[] };
  await fence.replay({
    holds: async (b) => void sent.holds.push(...b.map((w) => w.hold)),
    settles: async (b) => void sent.settles.push(...b),
  });
  return sent;
}

describe('the budget fence', () => {
  it('reads the role, the master offset and the furthest online replica', () => {
    assert.deepEqual(parseReplication(info(120, 100)), { role: 'master', offset: 120, acked: 100 });
    assert.deepEqual(parseReplication(info(120)), { role: 'master', offset: 120, acked: undefined });
    const waiting = info(50).replace('connected_slaves:0', 'slave0:ip=a,port=1,state=wait_bgsave,offset=0,lag=0');
    assert.equal(parseReplication(waiting).acked, undefined);
  });

  it('learns that the master has a replica in sync without confirming a write, on its own connection only', async () => {
    const fence = new BudgetFence<string>();
    const conn = [{}];
    fence.onConnection(conn);
    fence.held('a', [hold('a')]);
    await fence.learn([{}], async () => info(120, 100), 0);
    assert.equal(fence.expectsReplica, false, 'another connection says nothing of this master');
    await fence.learn(conn, async () => info(120, 100), 0);
    assert.equal(fence.expectsReplica, true);
    assert.equal(fence.waiting, 1, 'nothing confirmed by it');
  });

  it('forgets writes once a replica has acknowledged the offset they were in, not before', async () => {
    const fence = new BudgetFence<string>();
    const conn = [{}];
    fence.onConnection(conn);
    fence.sent(['s1', 's2']);
    await fence.confirm(async () => info(200, 150), 0);
    assert.equal(fence.waiting, 2);
    fence.sent(['s3']);
    await fence.confirm(async () => info(300, 200), 0);
    assert.equal(fence.waiting, 1);
    await fence.confirm(async () => info(300, 300), 0);
    assert.equal(fence.waiting, 0);
  });

  it('sends again, in their order, what no replica acknowledged once the connection is another; open holds only', async () => {
    const fence = new BudgetFence<string>();
    fence.onConnection([{}]);
    fence.held('a', [hold('a')]);
    fence.held('b', [hold('b')]);
    fence.settling('a');
    fence.sent(['s1', 's2']);
    fence.onConnection([{}]);
    assert.equal(fence.toReplay, 4);
    assert.deepEqual(await replayed(fence), { holds: ['b'], settles: ['s1', 's2'] });
    // Sent again on the new connection: unconfirmed there until its replica acknowledges them.
    assert.equal(fence.toReplay, 0);
    assert.equal(fence.waiting, 3);
  });

  it('an answer from before a reconnect confirms nothing sent on the new connection', async () => {
    const fence = new BudgetFence<string>();
    fence.onConnection([{}]);
    fence.sent(['s1']);
    let reconnect = (): void => {};
    const confirming = fence.confirm(
      () => new Promise<string>((resolve) => (reconnect = () => resolve(info(100, 100)))),
      0,
    );
    fence.onConnection([{}]);
    reconnect();
    await confirming;
    assert.equal(fence.toReplay, 1);
  });

  it('expects a replica once it saw one, until it has been gone past the grace, and anew on each connection', async () => {
    const fence = new BudgetFence<string>();
    fence.onConnection([{}]);
    fence.sent(['s1']);
    assert.equal(fence.expectsReplica, false);
    await fence.confirm(async () => info(10, 10), 0);
    assert.equal(fence.expectsReplica, true);
    await fence.confirm(async () => info(20), 1_000);
    assert.equal(fence.expectsReplica, true);
    await fence.confirm(async () => info(20), 1_000 + REPLICA_GRACE_MS + 1);
    assert.equal(fence.expectsReplica, false);
    await fence.confirm(async () => info(30, 30), 20_000);
    assert.equal(fence.expectsReplica, true);
    fence.onConnection([{}]);
    assert.equal(fence.expectsReplica, false);
  });
});
