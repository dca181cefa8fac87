// `switchyard auth explain P` on the prompt cache (docs/credentials.md#cache-affinity): the provider's affinity, the
// conversations each key holds warm now (read from the state file a gateway wrote them to), and each key's cache
// tokens and hit ratio over the last day (from the usage ledger).
import { describe, it } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { fingerprint, mask } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import { SqliteUsageStore } from '../../src/usage/sqlite-store.ts';
import { usageRow } from '../usage/store.case.ts';

const KEY_A = 'sk-affinity-explain-key-0000a1';
const KEY_B = 'sk-affinity-explain-key-0000b2';

function config(affinity: string): string {
  return `providers:\n  p:\n    type: openai\n    base_url: http://127.0.0.1:9/v1\n    api_keys: [${KEY_A}, ${KEY_B}]\n    affinity: ${affinity}\nmain: { provider: p, model: m }\ncredentials: { strategy: round_robin }\n`;
}

describe('auth explain: the prompt cache', () => {
  it('says how many conversations each key keeps warm, and that affinity is off where it is', async () => {
    using ws = tempWorkspace('switchyard-auth-cache-');
    const path = ws.write('switchyard.yaml', config('prefix'));
    // What a gateway on this state file remembered of three conversations, one of them expired.
    await using store = openStore({ home: ws.home });
    const now = Date.now();
    const record = (hash: string, key: string, at: number, tokens: number) => ({
      hash,
      provider: 'p',
      route: 'p/m',
      fingerprint: fingerprint(key),
      tokens,
      at,
      expires_at: at + 300_000,
    });
    store.setAffinity(record('c1', KEY_A, now, 1000));
    store.setAffinity(record('c2', KEY_A, now, 500));
    store.setAffinity(record('c3', KEY_B, now - 600_000, 700));
    await store.flush();
    // What the ledger counted for key A over the day: 900 of 1000 prompt tokens read from the cache, 50 written.
    const ledger = new SqliteUsageStore({ path: join(ws.home, 'usage.db') });
    await ledger.open();
    const tokens = { input_tokens: 1000, cache_read_tokens: 900, cache_write_tokens: 50 };
    const fpA = fingerprint(KEY_A);
    await ledger.write([
      usageRow({
        id: 'r1',
        at: now - 1000,
        route: 'p/m',
        credential: fpA,
        ...tokens,
        charges: [{ ...usageRow({ id: 'x' }).charges[0]!, route: 'p/m', credential: fpA, ...tokens }],
      }),
    ]);
    await ledger.close();
    const run = (args: string[]) =>
      runCliInProcess(['-c', path, 'auth', ...args], { env: { SWITCHYARD_HOME: ws.home } });
    const text = await run(['explain', 'p']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /prompt cache: affinity by prompt prefix — a conversation returns to its key for 5m/);
    assert.ok(
      text.stdout.includes(
        `${mask(KEY_A)}  2 conversations (≈1500 prefix tokens) kept warm; last 24h: 90.0% of 1000 prompt tokens read from the cache, 50 written`,
      ),
      text.stdout,
    );
    assert.ok(!text.stdout.includes(`${mask(KEY_B)}  1 conversation`), 'the expired record is not counted');
    const json = JSON.parse((await run(['explain', 'p', '--json'])).stdout) as {
      prompt_cache: {
        affinity: string;
        keys: { fingerprint: string; conversations: number; last_24h?: { cache_hit_ratio: number | null } }[];
      };
    };
    assert.equal(json.prompt_cache.affinity, 'prefix');
    assert.deepEqual(
      json.prompt_cache.keys.map((k) => k.conversations),
      [2, 0],
    );
    assert.equal(json.prompt_cache.keys[0]?.last_24h?.cache_hit_ratio, 0.9);
    ws.write('switchyard.yaml', config('none'));
    assert.match((await run(['explain', 'p'])).stdout, /prompt cache: affinity off for p/);
  });
});
