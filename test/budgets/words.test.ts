// How a budget's refusal and soft warning say where it stands: what ended calls spent and what running calls hold,
// apart ("used or held" quoted a hold as a spend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalOf, warningOf } from '../../src/budgets/words.ts';
import type { BudgetLimit } from '../../src/budgets/rules.ts';

const TOKENS: BudgetLimit = {
  budget: 'titles',
  scope: { kind: 'task', name: 'title_generation' },
  scopeText: 'task title_generation',
  level: 'call',
  resource: 'tokens',
  window: 'day',
  limit: 1000,
  soft: false,
  reserveTokens: 4096,
};
const RESET = Date.UTC(2026, 10, 25);
const NOW = RESET - 3_600_000;

test('a refusal says what is used and what is held apart, and only what is used when nothing is held', () => {
  const held = refusalOf(TOKENS, { spent: 400, reserved: 700 }, RESET, NOW);
  assert.match(held.message, /1,000 tokens per day, 400 tokens used and 700 tokens held by calls in flight; resets/);
  assert.doesNotMatch(held.message, /used or held/);
  assert.equal(held.used, 400);
  assert.equal(held.held, 700);
  const spent = refusalOf(TOKENS, { spent: 1000, reserved: 0 }, RESET, NOW);
  assert.match(spent.message, /1,000 tokens per day, 1,000 tokens used; resets/);
});

test('a soft warning says used and held apart', () => {
  const w = warningOf({ ...TOKENS, soft: true }, { spent: 900, reserved: 300 }, RESET);
  assert.match(w.message, /\(900 tokens used and 300 tokens held by calls in flight\); served anyway/);
});
