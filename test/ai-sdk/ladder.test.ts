// The ladder inside an AI SDK call, through `ai` 6 and `ai` 7: our own time-to-first-byte and idle timeouts per
// attempt, rotation in a key pool, a minted key re-minted on a 401, and concurrent calls that each keep their keys'
// health rather than one shared "current model".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SDKS, type Part } from './sdks.ts';
import { BACKUP_KEY, callsBy, PRIMARY_KEY, world } from './world.ts';
import { until } from '../helpers/until.ts';

interface Attempt {
  route: string;
  outcome: string;
  note?: string;
  credential?: { masked: string };
}

function attemptsOf(metadata: unknown): Attempt[] {
  return (metadata as { switchyard: { attempts: Attempt[] } }).switchyard.attempts;
}

const finishMetadata = (parts: Part[]): unknown => parts.find((p) => p.type === 'finish-step')?.['providerMetadata'];

for (const sdk of SDKS) {
  describe(`${sdk.name} (${sdk.version} models)`, () => {
    test('an upstream silent before its first byte times out on our timer, and the call falls back', async () => {
      await using w = await world(
        { keys: { [PRIMARY_KEY]: { script: ['timeout'] }, [BACKUP_KEY]: {} } },
        { primaryTimeout: '1s' },
      );
      const r = await sdk.streamText(w.provider(sdk.version), 'main', 'hello');
      assert.equal(r.text, '[sim-small] reply to: hello');
      assert.equal(r.parts.filter((p) => p.type === 'text-start').length, 1);
      assert.deepEqual(
        attemptsOf(finishMetadata(r.parts)).map((a) => a.outcome),
        ['timeout', 'ok'],
      );
      assert.deepEqual(callsBy(w.sim), { primary: 1, backup: 1 });
    });

    test('an upstream that goes silent after its first content times out on our timer: an error part', async () => {
      await using w = await world(
        { keys: { [PRIMARY_KEY]: { script: ['stall'] }, [BACKUP_KEY]: {} } },
        { primaryTimeout: '1s' },
      );
      const r = await sdk.streamText(w.provider(sdk.version), 'main', 'hello there, a long enough prompt to stream');
      const errors = r.parts.filter((p) => p.type === 'error');
      assert.equal(errors.length, 1);
      assert.match(String((errors[0]!['error'] as Error).message), /broke off after it had started \(timeout/);
      assert.ok(r.text.length > 0);
      assert.deepEqual(callsBy(w.sim), { primary: 1, backup: 0 });
    });

    test('an abort before the first content cancels the attempt: no fallback, nothing against the key', async () => {
      await using w = await world({ keys: { [PRIMARY_KEY]: { script: ['timeout'] }, [BACKUP_KEY]: {} } });
      const p = w.provider(sdk.version);
      const outcomes: string[] = [];
      p.switchyard.events.on((e) => {
        if (e.type === 'attempt') outcomes.push(e.attempt.outcome);
      });
      const ctl = new AbortController();
      const running = sdk.streamText(p, 'main', 'hello', { signal: ctl.signal });
      await until('the upstream call', () => w.sim.calls(PRIMARY_KEY) === 1);
      ctl.abort();
      const r = await running;
      assert.equal(r.parts.filter((x) => x.type === 'abort').length, 1);
      assert.equal(r.parts.filter((x) => x.type === 'text-start' || x.type === 'error').length, 0);
      const key = p.switchyard.pool.candidates('primary')[0];
      assert.equal(key?.health.state, 'ok');
      const next = await sdk.generateText(p, 'main', 'again');
      assert.deepEqual(
        attemptsOf(next.providerMetadata).map((a) => a.outcome),
        ['ok'],
      );
      assert.deepEqual(callsBy(w.sim), { primary: 2, backup: 0 });
    });

    test('a rate-limited key in a pool is set aside and the next key answers on the same route', async () => {
      const [a, b] = ['sk-pool-aisdk-a-000000001', 'sk-pool-aisdk-b-000000001'];
      await using w = await world(
        { keys: { [a]: { script: ['429'] }, [b]: {}, [BACKUP_KEY]: {} } },
        { primaryAuth: () => `api_keys: [${a}, ${b}]` },
      );
      const r = await sdk.generateText(w.provider(sdk.version), 'main', 'hello');
      assert.equal(r.text, '[sim-large] reply to: hello');
      assert.deepEqual(
        attemptsOf(r.providerMetadata).map((x) => [x.credential?.masked, x.outcome]),
        [
          ['sk-…0001', 'rate_limited'],
          ['sk-…0001', 'ok'],
        ],
      );
      assert.deepEqual([w.sim.calls(a), w.sim.calls(b), w.sim.calls(BACKUP_KEY)], [1, 1, 0]);
    });

    test('a minted key whose token is invalidated is re-minted on the 401, with no fallback', async () => {
      await using w = await world(
        { oauth2: { clients: { app: { secret: 's3cret' } } } },
        {
          primaryAuth: (url) => `oauth2: { token_url: '${url}/oauth2/token', client_id: app, client_secret: s3cret }`,
        },
      );
      const p = w.provider(sdk.version);
      assert.equal((await sdk.generateText(p, 'main', 'hello')).text, '[sim-large] reply to: hello');
      w.sim.invalidateTokens('app');
      const r = await sdk.generateText(p, 'main', 'again');
      assert.equal(r.text, '[sim-large] reply to: again');
      const attempts = attemptsOf(r.providerMetadata);
      assert.deepEqual(
        attempts.map((x) => [x.route, x.outcome]),
        [
          ['primary/sim-large', 'auth_rejected'],
          ['primary/sim-large', 'ok'],
        ],
      );
      assert.equal(attempts[1]!.note, 're-minted after 401');
      assert.equal(w.sim.calls(BACKUP_KEY), 0);
    });

    test('concurrent calls: one key failing for one call leaves the other calls on their own keys', async () => {
      const [a, b] = ['sk-pool-aisdk-a-000000002', 'sk-pool-aisdk-b-000000002'];
      await using w = await world(
        { keys: { [a]: { script: ['429'] }, [b]: {}, [BACKUP_KEY]: {} } },
        { primaryAuth: () => `api_keys: [${a}, ${b}]` },
      );
      const p = w.provider(sdk.version);
      const runs = await Promise.all(
        ['one', 'two', 'three', 'four'].map((word) => sdk.generateText(p, 'main', `hello ${word}`)),
      );
      assert.deepEqual(
        runs.map((r) => r.text),
        ['one', 'two', 'three', 'four'].map((word) => `[sim-large] reply to: hello ${word}`),
      );
      // One 429 on a sets a aside for every later pick; no call goes to the fallback route for it.
      assert.equal(w.sim.calls(a) + w.sim.calls(b), 5);
      assert.equal(w.sim.calls(BACKUP_KEY), 0);
    });
  });
}
