// 50 requests at once through the gateway on one client key's token budget: the holds admit requests while the cap
// has room, so what is spent in the end passes the cap by less than one hold (docs/budgets.md#how-it-holds). The
// figure is said as a diagnostic; the assertion is on counts, never on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { generateKey, newKeyRecord } from '../../src/gateway/keys/keys.ts';
import { BudgetPlan, counterKey } from '../../src/budgets/rules.ts';
import { holdInputTokens } from '../../src/budgets/hold-size.ts';
import { startHarness, simProvider, FAST_RETRY } from './harness.ts';

const UPSTREAM = 'sk-sim-overshoot-00001';
const LIMIT = 2_000;
const MAX_TOKENS = 60;
const CONCURRENT = 50;

test(`${CONCURRENT} concurrent requests overshoot a token cap by at most one hold`, async (t) => {
  await using h = await startHarness({
    // A little latency so that the 50 are in flight together, holding at once rather than one after another.
    scenario: { models: { 'sim-large': { latency: '100ms' } }, keys: { [UPSTREAM]: {} } },
    config: (sim) => ({
      providers: { simoa: simProvider(sim, 'openai', UPSTREAM) },
      main: { provider: 'simoa', model: 'sim-large' },
      auxiliary: { compression: { provider: 'none' } },
      retry: FAST_RETRY,
      budgets: { burst: { client_key: 'burst', tokens: { day: LIMIT } } },
    }),
  });
  const key = generateKey();
  h.store.addGatewayKey(newKeyRecord(key, 'burst'));
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
  // The simulator answers with the prompt: long enough that the answer fills max_tokens, so each request really uses
  // about what it holds.
  const messages = [{ role: 'user' as const, content: 'count to a thousand, slowly, one number a line. '.repeat(8) }];
  const outcomes = await Promise.allSettled(
    Array.from({ length: CONCURRENT }, () =>
      client.chat.completions.create({ model: 'main', messages, max_tokens: MAX_TOKENS }),
    ),
  );
  const served = outcomes.filter((o) => o.status === 'fulfilled').length;
  const refused = outcomes.filter(
    (o) => o.status === 'rejected' && o.reason instanceof OpenAI.RateLimitError && o.reason.code === 'budget_exceeded',
  ).length;
  assert.equal(served + refused, CONCURRENT, 'every request either served or refused for the budget');
  assert.ok(refused > 0, 'the cap was reached');
  assert.equal(h.sim.calls(UPSTREAM), served, 'a refused request sent nothing');

  await h.store.flush();
  const plan = new BudgetPlan(h.gw.app.gateway.settings.loaded.config);
  const limit = plan.limits[0]!;
  const [state] = await h.store.budgets.read([counterKey(limit, plan.bounds('day', Date.now()).start)], Date.now());
  const hold = holdInputTokens(messages) + MAX_TOKENS;
  const overshoot = state!.spent - LIMIT;
  t.diagnostic(
    `${CONCURRENT} concurrent: ${served} served, ${refused} refused; spent ${state!.spent} of ${LIMIT} tokens, overshoot ${overshoot} (${(overshoot / hold).toFixed(2)} of one ${hold}-token hold)`,
  );
  assert.equal(state!.reserved, 0, 'every hold settled');
  assert.ok(overshoot < hold, `overshoot ${overshoot} is less than one hold (${hold})`);
});
