import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, formatDurationSetting } from '../../src/config/duration.ts';

test('durations parse in every unit and round-trip', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5 minutes'), undefined);
  assert.equal(formatDurationSetting(300_000), '5m');
  assert.equal(formatDurationSetting(250), '250ms');
});
