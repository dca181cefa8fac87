// How a budget's refusal and soft warning say where it stands: what ended calls spent and what running calls hold,
// apart ("used or held" quoted a hold as a spend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalFor, refusalOf, warningOf } from '../../src/budgets/words.ts';
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

test('a refusal for a share held back says the budget is not spent and asks to retry when the hold-back ends', () => {
  const until = NOW + 4_200;
  const r = refusalFor(
    TOKENS,
    { ok: false, refused: 0, state: { spent: 580, reserved: 20 }, heldBack: { amount: 400.5, until } },
    RESET,
    NOW,
  );
  assert.match(
    r.message,
    /budget titles \(task title_generation\) is not spent: 1,000 tokens per day, 580 tokens used/,
  );
  assert.match(r.message, /401 tokens of it is held back for a replica that stopped answering on Redis/);
  assert.match(r.message, /try again in 4s$/);
  assert.doesNotMatch(r.message, /is spent|resets at/);
  assert.equal(r.rate, true, 'a client may retry');
  assert.equal(r.resetsAt, until, 'Retry-After is what remains of the hold-back, not the rest of the day');
});

test("a refusal by this replica's share while Redis does not answer is not spent either, and asks again soon", () => {
  const r = refusalFor(
    TOKENS,
    {
      ok: false,
      refused: 0,
      state: { spent: 300, reserved: 100 },
      heldBack: { amount: 500, until: NOW + 250, why: 'outage' },
    },
    RESET,
    NOW,
  );
  assert.match(r.message, /is not spent: 1,000 tokens per day, 300 tokens used/);
  assert.match(r.message, /while Redis does not answer this replica admits only its share, and 500 tokens of it is/);
  assert.match(r.message, /try again in 1s$/);
  assert.equal(r.rate, true);
  assert.equal(r.resetsAt, NOW + 1000, 'at least a second: Retry-After is whole seconds');
});

test('a store refusal whose room is held by calls in flight is not spent, and asks again in seconds', () => {
  const r = refusalFor(TOKENS, { ok: false, refused: 0, state: { spent: 600, reserved: 400 } }, RESET, NOW);
  assert.match(r.message, /is not spent: 1,000 tokens per day, 600 tokens used and 400 tokens held by calls in flight/);
  assert.match(r.message, /try again in 2s$/);
  assert.equal(r.rate, true);
  assert.equal(r.resetsAt, NOW + 2000);
});

test('a store refusal without a share held back is the budget spent, until its reset', () => {
  const r = refusalFor(TOKENS, { ok: false, refused: 0, state: { spent: 1000, reserved: 0 } }, RESET, NOW);
  assert.match(r.message, /is spent: 1,000 tokens per day/);
  assert.equal(r.rate, false);
  assert.equal(r.resetsAt, RESET);
});
