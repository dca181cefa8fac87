// An abandoned attempt's estimate is counted off the event loop, and its caller is not kept waiting for it: the call
// says its record will come later (onRecordLater) when it fails, and the record comes with the attempt billed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRecord } from '../../src/calls/types.ts';
import { harness, hello } from '../routing/helpers.ts';

const KEY = 'sk-billed-later-000001';

test('a call its caller aborts fails at once; its record follows with the prompt it sent estimated', async () => {
  await using h = await harness({
    scenario: { keys: { [KEY]: { latency: '30s' } } },
    config: (u) => ({
      providers: { p: { type: 'openai', base_url: u.openai, api_key: KEY } },
      main: { provider: 'p', model: 'sim-large' },
    }),
  });
  const caller = new AbortController();
  const told: string[] = [];
  let record: CallRecord | undefined;
  const recorded = new Promise<void>((resolve) => {
    const call = h.router.chat({
      messages: hello,
      signal: caller.signal,
      onRecordLater: () => told.push('later'),
      onRecord: (r) => {
        record = r;
        told.push('record');
        resolve();
      },
    });
    void call.catch(() => told.push('failed'));
  });
  while (h.sim.log().length === 0) await new Promise((r) => setTimeout(r, 5));
  caller.abort();
  await recorded;
  // The failure reached the caller before the count: the record was said to come later, and came after.
  assert.deepEqual(told, ['later', 'failed', 'record']);
  const sent = record!.trail.at(-1);
  assert.equal(sent?.outcome, 'cancelled');
  assert.equal(sent?.usage?.estimated, true);
  assert.ok((sent?.usage?.input_tokens ?? 0) > 0);
});
