// The fault and scale runs' wait for midnight UTC: none far from it, one past it when a run would cross it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearOfUtcMidnight, toUtcMidnight } from './day-window.ts';

const MIDNIGHT = Date.UTC(2026, 10, 27);

test('the time to midnight UTC is counted from the UTC day, whatever the local zone', () => {
  assert.equal(toUtcMidnight(MIDNIGHT - 262_000), 262_000);
  assert.equal(toUtcMidnight(MIDNIGHT), 86_400_000);
});

test('a run that ends within the day starts at once, without a word', async () => {
  const said: string[] = [];
  await clearOfUtcMidnight((l) => said.push(l), 60_000, MIDNIGHT - 61_000);
  assert.deepEqual(said, []);
});

test('a run that would cross midnight UTC waits for it, saying why', async () => {
  const said: string[] = [];
  await clearOfUtcMidnight((l) => said.push(l), 60_000, MIDNIGHT - 20);
  assert.deepEqual(said, ["waiting 1 s for midnight UTC: the day's budgets would start over during the run"]);
});
