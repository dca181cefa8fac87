// Usage totals as people read them: a sum of costs printed without the float noise of adding binary fractions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageCsv, usageTable } from '../../src/usage/report.ts';
import { emptyTotals } from '../../src/usage/row.ts';

test('usage --csv prints a summed cost as the number it is, not 0.005331999999999997', () => {
  const cost = 0.1 + 0.0041;
  assert.equal(String(cost), '0.10410000000000001', 'the sum carries float noise');
  const [, row] = usageCsv('task', [{ ...emptyTotals(), group: 'main', requests: 4, cost_usd: cost }]);
  assert.equal(row?.split(',')[7], '0.1041');
});

test('usage --by route names the requests no route answered, not "(none)"', () => {
  const refused = { ...emptyTotals(), group: '', requests: 2 };
  const answered = { ...emptyTotals(), group: 'mimo/m1', requests: 3 };
  const [, first, second] = usageTable('route', [answered, refused]);
  assert.match(first ?? '', /^mimo\/m1 /);
  assert.match(second ?? '', /^no route answered +2 /);
  assert.match(usageTable('client_key', [refused])[1] ?? '', /^no client key /);
});
