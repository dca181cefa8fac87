// The Tasks view's budget amounts (ui/amounts.ts): a spend above its limit never reads the same as the limit
// ("$0.0003 of $0.0003"), and what is over is said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetAmounts } from '../../../ui/amounts.ts';

test('a USD spend above its limit shows in enough decimals, with what is over', () => {
  const a = budgetAmounts('usd', { spent: 0.00032, reserved: 0, limit: 0.0003, remaining: 0 });
  assert.equal(`${a.spent} of ${a.limit}`, '$0.00032 of $0.00030');
  assert.equal(a.over, '$0.00002');
});

test('amounts that differ read differently; tiny limits show a digit; at or above $1, cents', () => {
  assert.deepEqual(budgetAmounts('usd', { spent: 0.000015, reserved: 0, limit: 0.000005, remaining: 0 }), {
    spent: '$0.000015',
    held: '$0.000000',
    limit: '$0.000005',
    left: '$0.000000',
    over: '$0.000010',
  });
  const dollars = budgetAmounts('usd', { spent: 1.5, reserved: 0.25, limit: 20, remaining: 18.25 });
  assert.deepEqual(
    [dollars.spent, dollars.held, dollars.limit, dollars.left, dollars.over],
    ['$1.50', '$0.25', '$20.00', '$18.25', undefined],
  );
  assert.equal(budgetAmounts('tokens', { spent: 1200, reserved: 0, limit: 1000, remaining: 0 }).over, '200 tokens');
  assert.equal(budgetAmounts('requests', { spent: 2, reserved: 0, limit: 100, remaining: 98 }).spent, '2 requests');
});
