// The gateway's idle trim: one memory-reducing collection once requests have stopped, none while they run or when
// nothing happened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIdleTrim } from '../../src/gateway/server/idle-trim.ts';
import { until } from '../helpers/until.ts';

test('idle trim: collects once after a stretch with requests, not while one runs, not again until used', async () => {
  let started = 0;
  let running = 0;
  let collected = 0;
  const stop = startIdleTrim({
    started: () => started,
    running: () => running,
    idleMs: 5,
    collect: () => collected++,
  });
  try {
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(collected, 0, 'never used: nothing to give back');
    started = 3;
    running = 1;
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(collected, 0, 'a request still running');
    running = 0;
    await until('the trim', () => collected === 1);
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(collected, 1, 'once per idle stretch');
    started = 4;
    await until('the next trim', () => collected === 2);
  } finally {
    stop();
  }
});
