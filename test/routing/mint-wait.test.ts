// A request waits for a minted token at most `mint_wait`: a key command that hangs or a token endpoint that is slow
// sends concurrent requests down their chain at once, while the one mint goes on and later requests use its token.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, hello, FAST_RETRY } from './helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript, type TokenStep } from '../helpers/token-script.ts';
import { closePools } from '../../src/providers/registry.ts';
import type { ChatSuccess } from '../../src/calls/types.ts';

after(closePools);

const ws = tempWorkspace('switchyard-mint-wait-');
after(() => ws.cleanup());
let n = 0;

const FALLBACK_KEY = 'sk-fallback-key-0000001';

/** Provider `p` takes its key from `minted` (a source's settings); `q` is a plain fallback route. */
function chainOf(sim: { openai: string }, minted: Record<string, unknown>): unknown {
  return {
    providers: {
      p: { type: 'openai', base_url: sim.openai, ...minted },
      q: { type: 'openai', base_url: sim.openai, api_key: FALLBACK_KEY },
    },
    main: { provider: 'p', model: 'sim-large' },
    fallback: [{ provider: 'q', model: 'sim-small' }],
    retry: FAST_RETRY,
  };
}

async function chatMany(h: { router: { chat: (o: { messages: typeof hello }) => Promise<unknown> } }, count: number) {
  return (await Promise.all(Array.from({ length: count }, () => h.router.chat({ messages: hello })))) as ChatSuccess[];
}

describe('mint_wait', () => {
  it('sends 32 concurrent requests to the fallback while a key command hangs, and uses its token once it comes', async () => {
    const release = join(ws.dir, `release-${++n}`);
    const steps: TokenStep[] = [{ token: 'tok-slow-command-01', after: release }];
    const script = writeTokenScript(join(ws.dir, `script-${n}.json`), steps);
    await using h = await harness({
      scenario: { keys: { 'tok-slow-command-01': {}, [FALLBACK_KEY]: {} } },
      config: (u) => chainOf(u, { api_key_command: { run: tokenCommand(script) }, mint_wait: '200ms' }),
    });
    const answers = await chatMany(h, 32);
    // Every answer came while the command was still waiting for its release: none waited for it. On a loaded machine
    // the answers can come before the command's process has even started.
    await until('the key command started', () => tokenScriptRuns(script) >= 1);
    assert.equal(tokenScriptRuns(script), 1, 'one mint for all of them');
    for (const a of answers) {
      assert.equal(a.route, 'q/sim-small');
      assert.match(
        a.trail[0]!.message ?? '',
        /^waiting for a token from command node \(providers\.p\.api_key_command\): no token within 200ms; the mint goes on/,
      );
      assert.equal(a.trail[0]!.credential, undefined, 'nothing was sent with p');
    }
    assert.equal(h.sim.calls('tok-slow-command-01'), 0);
    writeFileSync(release, '');
    await until('a request sent with the released token', async () => {
      await h.router.chat({ messages: hello });
      return h.sim.calls('tok-slow-command-01') > 0;
    });
    const later = (await h.router.chat({ messages: hello })) as ChatSuccess;
    assert.equal(later.route, 'p/sim-large');
    assert.equal(tokenScriptRuns(script), 1, 'the token of the mint that went on is used');
  });

  it('waits for a command that answers within its bound', async () => {
    const script = writeTokenScript(join(ws.dir, `script-${++n}.json`), [
      { token: 'tok-quick-command-1', delay_ms: 100 },
    ]);
    await using h = await harness({
      scenario: { keys: { 'tok-quick-command-1': {}, [FALLBACK_KEY]: {} } },
      config: (u) => chainOf(u, { api_key_command: { run: tokenCommand(script) }, mint_wait: '30s' }),
    });
    const answers = await chatMany(h, 8);
    for (const a of answers) assert.equal(a.route, 'p/sim-large');
    assert.equal(tokenScriptRuns(script), 1);
  });

  it('sends concurrent requests to the fallback while the token endpoint is slow, then uses its token', async () => {
    await using h = await harness({
      scenario: {
        keys: { [FALLBACK_KEY]: {} },
        oauth2: { clients: { app: { secret: 's3cret', latency: '1500ms' } } },
      },
      config: (u) =>
        chainOf(u, {
          oauth2: {
            token_url: `${u.openai.replace(/\/v1$/, '')}/oauth2/token`,
            client_id: 'app',
            client_secret: 's3cret',
          },
          mint_wait: '100ms',
        }),
    });
    const answers = await chatMany(h, 16);
    for (const a of answers) {
      assert.equal(a.route, 'q/sim-small');
      assert.match(
        a.trail[0]!.message ?? '',
        /^waiting for a token from oauth2 client app at 127\.0\.0\.1:\d+ \(providers\.p\.oauth2\)/,
      );
    }
    await until(
      'a request sent with the token the slow endpoint gave',
      async () => ((await h.router.chat({ messages: hello })) as ChatSuccess).route === 'p/sim-large',
    );
    assert.equal(h.sim.oauth2()['app']!.issued, 1, 'one token request for all of them');
  });
});
