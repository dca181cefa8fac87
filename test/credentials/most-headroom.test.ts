// The most_headroom strategy: keys are spread by what their last answers said is left of their rate limits, so none
// reaches a 429 while another has room; with no rate-limit headers it falls back to the fewest uses.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { harness, hello } from '../routing/helpers.ts';
import { headroomOf } from '../../src/credentials/headroom.ts';
import { closePools } from '../../src/providers/registry.ts';

after(closePools);
const KEYS = ['sk-headroom-key-0001', 'sk-headroom-key-0002', 'sk-headroom-key-0003'];

describe('most_headroom', () => {
  it('spreads calls over the keys before any of them is rate-limited', async () => {
    const h = await harness({
      // One key with a larger limit than the others: spreading by uses alone would run the small ones into 429s.
      scenario: {
        keys: Object.fromEntries(KEYS.map((k, i) => [k, { rate_limit_after: i === 0 ? 8 : 2, reset: '1h' }])),
      },
      config: (u) => ({
        providers: { p: { type: 'openai', base_url: u.openai, api_keys: KEYS } },
        main: { provider: 'p', model: 'sim-large' },
        credentials: { strategy: 'most_headroom' },
      }),
    });
    try {
      for (let i = 0; i < 12; i++) assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.deepEqual(
        KEYS.map((k) => h.sim.calls(k)),
        [8, 2, 2],
      );
      assert.equal(h.sim.log().filter((c) => c.outcome === 'rate_limited').length, 0);
      assert.match(
        h.router.pool.explain('p').summary,
        /most_headroom: the usable credential with the most of its rate limits left/,
      );
    } finally {
      await h.close();
    }
  });

  it('without rate-limit headers, uses the key with the fewest uses', async () => {
    const h = await harness({
      scenario: { keys: Object.fromEntries(KEYS.map((k) => [k, {}])) },
      config: (u) => ({
        providers: { p: { type: 'openai', base_url: u.openai, api_keys: KEYS } },
        main: { provider: 'p', model: 'sim-large' },
        credentials: { strategy: 'most_headroom' },
      }),
    });
    try {
      for (let i = 0; i < 6; i++) await h.router.chat({ messages: hello });
      assert.deepEqual(
        KEYS.map((k) => h.sim.calls(k)),
        [2, 2, 2],
      );
    } finally {
      await h.close();
    }
  });

  it("reads the tightest of Anthropic's limits, and OpenAI's durations to the reset", () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const a = headroomOf(
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '45',
        'anthropic-ratelimit-tokens-limit': '100000',
        'anthropic-ratelimit-tokens-remaining': '5000',
        'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:30Z',
      },
      now,
    );
    assert.deepEqual(a, { share: 0.05, resetAt: now + 30_000 });
    assert.deepEqual(
      headroomOf(
        {
          'x-ratelimit-limit-requests': '10',
          'x-ratelimit-remaining-requests': '4',
          'x-ratelimit-reset-requests': '6m0s',
        },
        now,
      ),
      { share: 0.4, resetAt: now + 360_000 },
    );
    assert.equal(headroomOf({ 'x-ratelimit-remaining-requests': '4' }, now), undefined, 'no limit, no share');
  });
});
