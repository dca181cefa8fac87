// The minter on its own: one mint for many askers, a failure said again rather than re-run for a moment, a new
// version of a source starting afresh, `auth refresh` in another process heard by a long-running one, and a gateway's
// workers sharing one minted token through the state file; no watch for `auth refresh` before a token is held.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Minter } from '../../src/credentials/minted/minter.ts';
import { mintedSource } from '../../src/credentials/minted/spec.ts';
import { MintError } from '../../src/credentials/minted/mint-error.ts';
import { openStore } from '../../src/state/open.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { timersSetBy } from '../helpers/timers-set.ts';
import { loadedFrom } from '../routing/helpers.ts';
import { tokenCommand, tokenScriptRuns, writeTokenScript, type TokenStep } from '../helpers/token-script.ts';

const ws = tempWorkspace('switchyard-minter-');
after(() => ws.cleanup());
let n = 0;

function commandSource(steps: TokenStep[], extra: Record<string, unknown> = {}) {
  const script = writeTokenScript(join(ws.dir, `m-${++n}.json`), steps);
  const loaded = loadedFrom(
    {
      providers: {
        p: {
          type: 'openai',
          base_url: 'http://127.0.0.1:9/v1',
          api_key_command: { run: tokenCommand(script), ...extra },
        },
      },
    },
    { env: { PATH: process.env['PATH'] ?? '' } },
  );
  return { source: mintedSource(loaded, 'p', 'providers.p', loaded.config.providers['p']!)!, script };
}

describe('minter', () => {
  it('mints once for everyone asking at the same time', async () => {
    const { source, script } = commandSource(['tok-a']);
    const m = new Minter();
    const tokens = await Promise.all([1, 2, 3, 4].map(() => m.token(source)));
    assert.deepEqual(new Set(tokens.map((t) => t.token)), new Set(['tok-a']));
    assert.equal(tokenScriptRuns(script), 1);
  });

  it('says a failed mint again for a moment instead of running the command again; a forced refresh runs it', async () => {
    const { source, script } = commandSource([{ exit: 1 }, 'tok-b']);
    const m = new Minter();
    await assert.rejects(m.token(source), MintError);
    await assert.rejects(m.token(source), /exited with code 1/);
    assert.equal(tokenScriptRuns(script), 1);
    assert.equal((await m.refresh(source)).token, 'tok-b');
    assert.equal(m.status(source)?.error, undefined);
  });

  it('a failure held from a mint that started long ago is said as itself at once, with nothing left unhandled', async () => {
    const { source, script } = commandSource([{ exit: 3 }]);
    let clock = 1_000_000;
    const m = new Minter({ now: () => clock });
    const unhandled: unknown[] = [];
    const seen = (reason: unknown): number => unhandled.push(reason);
    process.on('unhandledRejection', seen);
    try {
      await assert.rejects(m.token(source, 3_000), /exited with code 3/);
      // Past the wait bound since that mint started, within the hold: the held failure, not "no token within 3s".
      clock += 4_000;
      await assert.rejects(
        m.token(source, 3_000),
        (err: unknown) => MintError.isInstance(err) && err.failure === 'exit',
      );
      await assert.rejects(m.remint(source, 'old', 401, 3_000), /exited with code 3/);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
      assert.equal(tokenScriptRuns(script), 1);
    } finally {
      process.off('unhandledRejection', seen);
    }
  });

  it('a rejected token is replaced once; a token minted since is given without another mint', async () => {
    const { source, script } = commandSource(['tok-1', 'tok-2']);
    const m = new Minter();
    assert.equal((await m.token(source)).token, 'tok-1');
    const [a, b] = await Promise.all([m.remint(source, 'tok-1'), m.remint(source, 'tok-1')]);
    assert.deepEqual([a.token, b.token], ['tok-2', 'tok-2']);
    assert.equal((await m.remint(source, 'tok-1')).token, 'tok-2');
    assert.equal(tokenScriptRuns(script), 2);
  });

  it('hears auth refresh from another process through the state store', async () => {
    const { source } = commandSource(['tok-1', 'tok-2', 'tok-3']);
    const home = join(ws.dir, 'watch-home');
    const [gatewayStore, cliStore] = [openStore({ home }), openStore({ home })];
    const gateway = new Minter({ store: gatewayStore });
    const cli = new Minter({ store: cliStore });
    try {
      gateway.watchRefreshRequests();
      assert.equal((await gateway.token(source)).token, 'tok-1');
      assert.equal((await cli.refresh(source)).token, 'tok-2');
      await cliStore.writeMint(source.id, { provider: 'p', at: Date.now(), refresh_requested_at: Date.now() });
      await until('the gateway to mint again', async () => (await gateway.token(source)).token === 'tok-3');
    } finally {
      gateway.close();
      cli.close();
      await gatewayStore.close();
      await cliStore.close();
    }
  });

  it('watches for auth refresh only once a source is used: a gateway with no minted key is not woken for it', async () => {
    const { source } = commandSource(['tok-1']);
    const home = join(ws.dir, 'idle-watch-home');
    const [unused, used] = [openStore({ home }), openStore({ home })];
    const idle = new Minter({ store: unused });
    const minting = new Minter({ store: used });
    try {
      assert.equal(timersSetBy(() => idle.watchRefreshRequests()).timers, 0, 'nothing held: no watch');
      assert.equal((await minting.token(source)).token, 'tok-1');
      assert.equal(timersSetBy(() => minting.watchRefreshRequests()).timers, 1, 'a token held: the watch');
      assert.equal(timersSetBy(() => minting.watchRefreshRequests()).timers, 0, 'one watch, however often asked');
    } finally {
      idle.close();
      minting.close();
      await unused.close();
      await used.close();
    }
  });

  it('workers sharing tokens mint once between them; a rejected token is re-minted once for all; none from before start', async () => {
    const { source, script } = commandSource(['tok-1', 'tok-2', 'tok-3', 'tok-4']);
    const home = join(ws.dir, 'workers-home');
    const stores = [openStore({ home }), openStore({ home })];
    const [one, two] = stores.map((store) => new Minter({ store, shareTokens: true })) as [Minter, Minter];
    try {
      const first = await Promise.all([one.token(source), two.token(source), one.token(source), two.token(source)]);
      assert.deepEqual(new Set(first.map((t) => t.token)), new Set(['tok-1']));
      assert.equal(tokenScriptRuns(script), 1, 'one worker ran the command; the other took its token');
      // One worker meets a 401 and mints again; the other, meeting the same 401, takes that new token.
      assert.equal((await one.remint(source, 'tok-1', 401)).token, 'tok-2');
      assert.equal((await two.remint(source, 'tok-1', 401)).token, 'tok-2');
      assert.equal(tokenScriptRuns(script), 2);
      assert.equal(two.status(source)?.reason, 'rejected_401', 'the reason is the minting worker’s');
      // A forced refresh (auth refresh in this process) mints, whatever the store holds.
      assert.equal((await two.refresh(source)).token, 'tok-3');
      assert.equal(tokenScriptRuns(script), 3);
      // A worker started later (a restarted gateway) mints its own rather than trust a token from before it started.
      const late = new Minter({ store: stores[0]!, shareTokens: true, now: () => Date.now() + 60_000 });
      assert.equal((await late.token(source)).token, 'tok-4');
      late.close();
    } finally {
      one.close();
      two.close();
      for (const store of stores) await store.close();
    }
  });

  it('without sharing (one process, the CLI) nothing but the mint times reaches the store', async () => {
    const { source, script } = commandSource(['tok-1', 'tok-2']);
    const home = join(ws.dir, 'private-home');
    const stores = [openStore({ home }), openStore({ home })];
    const [one, two] = stores.map((store) => new Minter({ store })) as [Minter, Minter];
    try {
      assert.equal((await one.token(source)).token, 'tok-1');
      assert.equal((await two.token(source)).token, 'tok-2');
      assert.equal(tokenScriptRuns(script), 2);
      const record = await stores[0]!.readMint(source.id);
      assert.equal(record?.token, undefined);
      assert.equal(typeof record?.minted_at, 'number');
    } finally {
      one.close();
      two.close();
      for (const store of stores) await store.close();
    }
  });
});
