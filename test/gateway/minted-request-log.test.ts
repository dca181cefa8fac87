// The gateway's request log line says when a minted credential was re-minted after a 401 (the trail's note), so an
// operator reading it sees recovery, not a rejected key followed by an unexplained second one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness } from './harness.ts';

test("a request whose token was invalidated logs the retry as 're-minted after 401'", async () => {
  await using h = await startHarness({
    scenario: { oauth2: { clients: { app: { secret: 'app-secret-value' } } } },
    config: (url) => ({
      providers: {
        corp: {
          type: 'openai',
          base_url: `${url}/v1`,
          oauth2: { token_url: `${url}/oauth2/token`, client_id: 'app', client_secret: 'app-secret-value' },
        },
      },
      main: { provider: 'corp', model: 'sim-large' },
    }),
  });
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.key, maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'main', messages: [{ role: 'user', content: 'hi' }] });
  await ask();
  h.sim.invalidateTokens('app');
  await ask();
  const line = JSON.parse(h.logs.filter((l) => l.includes('"msg":"request"')).at(-1)!) as {
    upstream: { outcome: string; note?: string }[];
  };
  assert.deepEqual(
    line.upstream.map((a) => [a.outcome, a.note]),
    [
      ['auth_rejected', undefined],
      ['ok', 're-minted after 401'],
    ],
  );
});
