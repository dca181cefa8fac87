// One record per call (calls/call-record.ts): the router tells a call's record once, when it is over — before a
// buffered call's result or error comes back, when a stream's events end — with the route and key that answered, the
// attempts sent, the usage and the outcome, read from the simulator on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprint } from '../../src/config/mask.ts';
import type { CallRecord, LadderEvent } from '../../src/calls/types.ts';
import { FAST_RETRY, failure, harness, hello } from '../routing/helpers.ts';
import { until } from '../helpers/until.ts';

const LIMITED = 'sk-limited-0000000001';
const BACKUP = 'sk-ant-backup-00000003';

function rotateThenFallBack(u: { openai: string; anthropic: string }): unknown {
  return {
    providers: {
      mimo: { type: 'openai', base_url: u.openai, api_key: LIMITED },
      claude: { type: 'anthropic', base_url: u.anthropic, api_key: BACKUP },
    },
    main: { provider: 'mimo', model: 'sim-large' },
    fallback: [{ provider: 'claude', model: 'sim-small' }],
    retry: { ...FAST_RETRY, max_retries: 0 },
  };
}

test("a fallen-back call's record is told before its result: the route and key that answered, attempts and usage", async () => {
  await using h = await harness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [BACKUP]: {} } },
    config: rotateThenFallBack,
  });
  const records: CallRecord[] = [];
  const r = await h.router.chat({ messages: hello, onRecord: (record) => records.push(record) });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(records.length, 1, 'told once, before the result came back');
  const [record] = records;
  assert.equal(record!.outcome, 'ok');
  assert.equal(record!.answered?.route, 'claude/sim-small');
  assert.equal(record!.credential, fingerprint(BACKUP));
  assert.equal(record!.attempts, 2);
  assert.equal(record!.trail, r.trail);
  assert.deepEqual(record!.usage, r.response.usage);
  assert.equal(record!.streamEnd, undefined);
});

test("a call's record keeps the ladder's decisions its subscribers were told, and a failed call's give-up once", async () => {
  await using h = await harness({
    scenario: { keys: { [LIMITED]: { script: ['429'], reset: '10m' }, [BACKUP]: { script: ['ok', 'bad_request'] } } },
    config: rotateThenFallBack,
  });
  const told: LadderEvent[] = [];
  h.router.events.on((e) => told.push(e));
  const records: CallRecord[] = [];
  assert.equal((await h.router.chat({ messages: hello, onRecord: (r) => records.push(r) })).status, 'ok');
  const decisions = told.filter((e) => e.type !== 'attempt' && e.type !== 'success');
  assert.deepEqual(
    decisions.map((e) => e.type),
    ['cooldown', 'fallback'],
  );
  assert.deepEqual(records[0]!.decisions, decisions, 'the same events, in order');
  assert.equal(records[0]!.gaveUp, undefined);

  // The first key cooling, the backup refuses the request: the call fails after both routes.
  const err = await failure(h.router.chat({ messages: hello, onRecord: (r) => records.push(r) }));
  assert.equal(records[1]!.gaveUp, err.kind);
  assert.equal(told.filter((e) => e.type === 'give_up').length, 1);
});

test("a stream's record is told when its events end, with the usage of its finish; a failed call's with its error", async () => {
  await using h = await harness({ scenario: { keys: { [LIMITED]: {}, [BACKUP]: {} } }, config: rotateThenFallBack });
  const records: CallRecord[] = [];
  const onRecord = (record: CallRecord): void => void records.push(record);
  const s = await h.router.chat({ messages: hello, stream: true, onRecord });
  assert.equal(s.status, 'ok');
  if (s.status !== 'ok') return;
  let usage: unknown;
  for await (const e of s.events) {
    assert.equal(records.length, 0, 'not before the stream ends');
    if (e.type === 'finish') usage = e.usage;
  }
  assert.equal(records.length, 1);
  assert.equal(records[0]!.streamEnd, 'finished');
  assert.equal(records[0]!.outcome, 'ok');
  assert.equal(records[0]!.answered?.route, 'mimo/sim-large');
  assert.ok(records[0]!.firstEventMs !== undefined);
  assert.deepEqual(records[0]!.usage, usage);

  // Cancelled: its record says so, with what the caller was thrown, once the prompt it was billed is counted.
  const err: unknown = await h.router.chat({ messages: hello, signal: AbortSignal.abort(), onRecord }).catch((e) => e);
  assert.equal((err as Error).name, 'AbortError');
  await until('the cancelled call’s record', () => records.length === 2);
  assert.equal(records[1]!.error, err);
  assert.equal(records[1]!.answered, undefined);
  assert.equal(records[1]!.outcome, 'cancelled');
});
