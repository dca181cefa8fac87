// A task's own minted key (`auxiliary.T.oauth2`, `auxiliary.T.api_key_command`): tried first on the task's route like
// its own `api_key`, re-minted once after a 401 before anything falls back, and when it cannot be minted the task goes
// on as it does with any unusable key of its own. The simulator's token endpoint and a scripted helper command.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { harness, hello, FAST_RETRY } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript } from '../helpers/token-script.ts';
import { closePools } from '../../src/providers/registry.ts';

after(closePools);
const ws = tempWorkspace('switchyard-task-minted-');
after(() => ws.cleanup());

const CHAIN = 'sk-task-chain-key-0001';
const MAIN = 'sk-task-main-key-00002';

/** `p` has no key of its own: the title task's key is its only one; the task's fallback_chain is `q`. */
const config = (url: string, own: Record<string, unknown>): unknown => ({
  providers: {
    p: { type: 'openai', base_url: `${url}/v1` },
    q: { type: 'openai', base_url: `${url}/v1`, api_key: CHAIN },
    m: { type: 'openai', base_url: `${url}/v1`, api_key: MAIN },
  },
  main: { provider: 'm', model: 'sim-large' },
  auxiliary: {
    title_generation: {
      provider: 'p',
      model: 'sim-small',
      fallback_chain: [{ provider: 'q', model: 'sim-small' }],
      ...own,
    },
    compression: { provider: 'none' },
  },
  retry: FAST_RETRY,
});

describe("a task's own minted key", () => {
  it('an invalidated oauth2 token of the title task is re-minted and the same route answers — no fallback', async () => {
    await using h = await harness({
      scenario: { keys: { [CHAIN]: {}, [MAIN]: {} }, oauth2: { clients: { app: { secret: 's3cret' } } } },
      config: (u) =>
        config(u.anthropic, {
          oauth2: { token_url: `${u.anthropic}/oauth2/token`, client_id: 'app', client_secret: 's3cret' },
        }),
    });
    assert.equal((await h.router.chat({ task: 'title_generation', messages: hello })).status, 'ok');
    h.sim.invalidateTokens('app');
    const r = await h.router.chat({ task: 'title_generation', messages: hello });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.deepEqual(
      r.trail.map((a) => [a.route, a.outcome, a.status, a.note]),
      [
        ['p/sim-small', 'auth_rejected', 401, undefined],
        ['p/sim-small', 'ok', 200, 're-minted after 401'],
      ],
    );
    assert.equal(h.sim.calls(CHAIN) + h.sim.calls(MAIN), 0, 'nothing fell back');
    assert.deepEqual(h.sleeps, [], 'no backoff');
    assert.equal(h.sim.oauth2()['app']!.issued, 2);
    // One health record for the source, whatever token it gave: the rejection is not held against it.
    const fp = r.trail[1]!.credential!.fingerprint;
    assert.equal(r.trail[0]!.credential!.fingerprint, fp);
    assert.equal(h.router.pool.mintedSources('p')[0]!.id, fp, 'health is kept per source, not per token');
    assert.equal(h.store.getHealth(fp)?.state, 'ok');
  });

  it('a token endpoint that fails the re-mint sends the title task on to its fallback_chain, as a bad key of its own does', async () => {
    await using h = await harness({
      scenario: {
        keys: { [CHAIN]: {}, [MAIN]: {} },
        oauth2: { clients: { app: { secret: 's3cret', script: ['ok', '500'] } } },
      },
      config: (u) =>
        config(u.anthropic, {
          oauth2: { token_url: `${u.anthropic}/oauth2/token`, client_id: 'app', client_secret: 's3cret' },
        }),
    });
    assert.equal((await h.router.chat({ task: 'title_generation', messages: hello })).status, 'ok');
    h.sim.invalidateTokens('app');
    const r = await h.router.chat({ task: 'title_generation', messages: hello });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.equal(r.route, 'q/sim-small');
    assert.equal(h.sim.calls(CHAIN), 1);
    const own = r.trail.filter((a) => a.route === 'p/sim-small');
    // The 401, the failed re-mint (no key, nothing sent), and the auth rules' retries.
    assert.ok(own.length >= 1 && own.every((a) => a.outcome === 'auth_rejected' || a.outcome === 'auth_missing'));
    assert.match(own.find((a) => a.outcome === 'auth_missing')?.message ?? '', /^re-minting after 401 failed: /);
  });

  it('a helper command whose token is rejected is run again, and the new token sent at once', async () => {
    const script = writeTokenScript(join(ws.dir, 'remint.json'), [
      'tok-title-first-rejected-01',
      'tok-title-second-good-0002',
    ]);
    await using h = await harness({
      scenario: {
        keys: {
          [CHAIN]: {},
          [MAIN]: {},
          'tok-title-first-rejected-01': { valid: false },
          'tok-title-second-good-0002': {},
        },
      },
      config: (u) => config(u.anthropic, { api_key_command: tokenCommand(script) }),
    });
    const r = await h.router.chat({ task: 'title_generation', messages: hello });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.deepEqual(
      r.trail.map((a) => [a.route, a.outcome, a.note]),
      [
        ['p/sim-small', 'auth_rejected', undefined],
        ['p/sim-small', 'ok', 're-minted after 401'],
      ],
    );
    assert.equal(tokenScriptRuns(script), 2);
    assert.equal(h.sim.calls(CHAIN), 0);
    assert.deepEqual(
      h.router.pool.mintedSources('p').map((s) => s.where),
      ['auxiliary.title_generation.api_key_command'],
      'auth refresh and auth list find it under its provider',
    );
  });

  it('a helper command that fails sends the task on to its fallback_chain; its output is never shown', async () => {
    const script = writeTokenScript(join(ws.dir, 'failing.json'), [{ exit: 3, print: 'tok-never-shown-000003' }]);
    await using h = await harness({
      scenario: { keys: { [CHAIN]: {}, [MAIN]: {} } },
      config: (u) => config(u.anthropic, { api_key_command: tokenCommand(script) }),
    });
    const r = await h.router.chat({ task: 'title_generation', messages: hello });
    assert.equal(r.status, 'ok');
    if (r.status !== 'ok') return;
    assert.equal(r.route, 'q/sim-small');
    const own = r.trail.find((a) => a.route === 'p/sim-small');
    assert.equal(own?.outcome, 'auth_missing');
    assert.match(own?.message ?? '', /could not get a token for p from command node: node exited with code 3/);
    assert.doesNotMatch(JSON.stringify([r, h.warnings]), /tok-never-shown|stderr text/);
  });
});
