// The simulator's prompt cache belongs to an account (docs/simulator.md#answer-options): keys naming one account share
// it, other accounts start cold, and an entry lives `prompt_cache_ttl` from its last use. The call log says what each
// call read and wrote.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator } from '../../src/sim/server.ts';

const SYSTEM = 'You are a careful agent. '.repeat(40);

async function ask(url: string, key: string, turn: number): Promise<number> {
  const messages = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'first answer' },
    { role: 'user', content: `question ${turn}` },
  ];
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-large', messages }),
  });
  const body = (await res.json()) as { usage: { prompt_tokens_details?: { cached_tokens: number } } };
  return body.usage.prompt_tokens_details?.cached_tokens ?? 0;
}

describe('the prompt cache of an account', () => {
  it('is shared by the keys of one account and not by another account', async () => {
    await using sim = await startSimulator({
      scenario: {
        keys: {
          'sk-sim-org1-a': { prompt_cache: true, account: 'org1' },
          'sk-sim-org1-b': { prompt_cache: true, account: 'org1' },
          'sk-sim-org2-a': { prompt_cache: true },
        },
      },
    });
    assert.equal(await ask(sim.url, 'sk-sim-org1-a', 1), 0, 'a cold account');
    assert.ok((await ask(sim.url, 'sk-sim-org1-b', 2)) > 0, 'the same account: warm');
    assert.equal(await ask(sim.url, 'sk-sim-org2-a', 3), 0, 'another account: cold');
    const log = sim.log();
    assert.deepEqual(
      log.map((c) => (c.prompt_cache?.read ?? 0) > 0),
      [false, true, false],
    );
  });

  it('forgets an entry once its time to live has run out', async () => {
    await using sim = await startSimulator({
      scenario: { keys: { 'sk-sim-brief': { prompt_cache: true, prompt_cache_ttl: 0 } } },
    });
    await ask(sim.url, 'sk-sim-brief', 1);
    assert.equal(await ask(sim.url, 'sk-sim-brief', 2), 0);
  });
});
