// Budgets on a client key's end users, through the library against the simulator: `per_user: true` gives each user
// of the key the limit (the one who spent it is refused, the others are served), `user: U` holds one user, hashed or
// not, and the config says what is wrong with either written wrongly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failure, FAST_RETRY, harness, hello } from '../routing/helpers.ts';
import { budgetSchema } from '../../src/config/budgets-schema.ts';
import { hashUser } from '../../src/calls/end-user.ts';
import { budgetRows } from '../../src/budgets/snapshot.ts';

const A = 'sk-users-aaaaaaaa1';
const SCENARIO = { keys: { [A]: {} } };

function config(openai: string, budgets: Record<string, unknown>): unknown {
  return {
    providers: { mimo: { type: 'openai', base_url: openai, api_keys: [A] } },
    main: { provider: 'mimo', model: 'sim-large' },
    retry: FAST_RETRY,
    budgets,
  };
}

test('per_user: the user who spent the limit is refused, the key’s other users and one naming none are served', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { each: { client_key: 'coding', per_user: true, requests: { day: 1 } } }),
  });
  const call = (user?: string) =>
    h.router.chat({ messages: hello, client_key: 'coding', ...(user !== undefined ? { end_user: user } : {}) });
  assert.equal((await call('alice')).status, 'ok');
  const err = await failure(call('alice'));
  assert.equal(err.kind, 'budget');
  assert.match(err.explanation, /budget each \(client key coding per user\) is spent: 1 request per day/);
  assert.equal((await call('bob')).status, 'ok');
  assert.equal((await call()).status, 'ok', 'requests naming no user share one limit of their own');
  assert.equal((await failure(call())).kind, 'budget');
  assert.equal((await h.router.chat({ messages: hello, client_key: 'ci', end_user: 'alice' })).status, 'ok');
  assert.equal(h.sim.calls(A), 4);
});

test('user: U holds that user of the key only, whether the key keeps it as sent or hashed', async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) => config(u.openai, { carol: { client_key: 'coding', user: 'carol', requests: { day: 1 } } }),
  });
  const call = (user: string) => h.router.chat({ messages: hello, client_key: 'coding', end_user: user });
  assert.equal((await call(hashUser('carol'))).status, 'ok');
  assert.equal((await failure(call('carol'))).kind, 'budget', 'the same user, as another key keeps it');
  assert.equal((await call('dave')).status, 'ok');
  assert.equal((await call('dave')).status, 'ok');
});

test('a budget on users needs its client key, and names one user or each, not both', () => {
  const problems = (b: unknown) => {
    const r = budgetSchema.safeParse(b);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.deepEqual(problems({ client_key: 'k', per_user: true, usd: { day: 5 } }), []);
  assert.deepEqual(problems({ task: 'main', per_user: true, usd: { day: 5 } }), [
    "per_user: per_user narrows a client key's budget to its end users: add client_key: NAME (the key they call through)",
  ]);
  assert.deepEqual(problems({ client_key: 'k', user: 'a', per_user: true, usd: { day: 5 } }), [
    'per_user: a budget covers one user (user: U) or each user of the key (per_user: true), not both',
  ]);
  assert.match(problems({ client_key: 'k', per_user: false, usd: { day: 5 } })[0]!, /expected true/);
});

test("where budgets stand: a user: budget is one row, a per_user budget's many counters are none", async () => {
  await using h = await harness({
    scenario: SCENARIO,
    config: (u) =>
      config(u.openai, {
        each: { client_key: 'coding', per_user: true, requests: { day: 5 } },
        carol: { client_key: 'coding', user: 'carol', requests: { day: 5 } },
      }),
  });
  await h.router.chat({ messages: hello, client_key: 'coding', end_user: 'carol' });
  const rows = await budgetRows(h.router.budgets.plan(h.router.config()), h.store.budgets, Date.now());
  assert.deepEqual(
    rows.map((r) => [r.budget, r.scope, r.spent]),
    [['carol', 'client key coding user carol', 1]],
  );
});
