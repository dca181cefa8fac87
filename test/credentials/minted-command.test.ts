// api_key_command and api_key_file through the router against the simulator: tokens minted, cached, shared by
// concurrent calls, re-minted once after a 401 with no backoff, and mint failures said without the command's output.
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { harness, hello, failure, FAST_RETRY, type Harness } from '../routing/helpers.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import {
  tokenCommand,
  tokenScriptEnv,
  tokenScriptRuns,
  writeTokenScript,
  type TokenStep,
} from '../helpers/token-script.ts';
import { closePools } from '../../src/providers/registry.ts';
import { formatTrail } from '../../src/calls/trail.ts';

after(closePools);

const ws = tempWorkspace('switchyard-mint-');
after(() => ws.cleanup());
let n = 0;

/** A router whose provider `p` takes its key from a scripted command. */
async function withCommand(
  steps: TokenStep[],
  scenarioKeys: Record<string, unknown>,
  command: Record<string, unknown> = {},
  extra: { env?: Record<string, string> } = {},
): Promise<Harness & { script: string }> {
  const script = writeTokenScript(join(ws.dir, `script-${++n}.json`), steps);
  const h = await harness({
    scenario: { keys: scenarioKeys as never },
    config: (u) => ({
      providers: {
        p: { type: 'openai', base_url: u.openai, api_key_command: { run: tokenCommand(script), ...command } },
      },
      main: { provider: 'p', model: 'sim-large' },
      retry: FAST_RETRY,
    }),
    ...(extra.env ? { env: extra.env } : {}),
  });
  return Object.assign(h, { script });
}

describe('api_key_command', () => {
  it('sends the token the command prints, and runs it once for many calls', async () => {
    const h = await withCommand(['tok-command-one-123'], { 'tok-command-one-123': {} });
    try {
      await Promise.all([1, 2, 3, 4, 5].map(() => h.router.chat({ messages: hello })));
      await h.router.chat({ messages: hello });
      assert.equal(h.sim.calls('tok-command-one-123'), 6);
      assert.equal(tokenScriptRuns(h.script), 1);
    } finally {
      await h.close();
    }
  });

  it('reads JSON with access_token and expires_in', async () => {
    const h = await withCommand([{ json: { access_token: 'tok-json-abcdef-1', expires_in: 3600 } }], {
      'tok-json-abcdef-1': {},
    });
    try {
      const r = await h.router.chat({ messages: hello });
      assert.equal(r.status, 'ok');
      assert.equal(h.sim.calls('tok-json-abcdef-1'), 1);
    } finally {
      await h.close();
    }
  });

  it('re-mints once after a 401 and sends the new token at once: no backoff, nothing held against the source', async () => {
    const h = await withCommand(['tok-old-0000001', 'tok-new-0000002'], {
      'tok-old-0000001': { valid: false },
      'tok-new-0000002': {},
    });
    try {
      const r = await h.router.chat({ messages: hello });
      assert.equal(r.status, 'ok');
      assert.deepEqual(
        r.trail.map((a) => [a.outcome, a.credential?.masked, a.note]),
        [
          ['auth_rejected', 'tok-…0001', undefined],
          ['ok', 'tok-…0002', 're-minted after 401'],
        ],
      );
      assert.deepEqual(h.sleeps, []);
      assert.equal(
        r.trail[0]!.credential!.fingerprint,
        r.trail[1]!.credential!.fingerprint,
        'health is kept per source, not per token',
      );
      assert.deepEqual(r.trail[1]!.credential!.sources, ['command']);
      const health = h.store.getHealth(r.trail[1]!.credential!.fingerprint);
      assert.equal(health?.state, 'ok');
      assert.equal(health?.failures, 0);
      assert.match(formatTrail(r.trail)[1]!, /\(re-minted after 401\)/);
      assert.equal(tokenScriptRuns(h.script), 2);
    } finally {
      await h.close();
    }
  });

  it('applies the auth rules when the re-mint gives the same token, and says so', async () => {
    const h = await withCommand(['tok-same-000001'], { 'tok-same-000001': { valid: false } });
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.equal(err.kind, 'auth_rejected');
      assert.match(err.message, /re-minted after 401, and command node gave the same token again/);
      assert.equal(
        err.trail.filter((a) => a.credential !== undefined).length,
        1,
        'a never-accepted source is not hammered',
      );
    } finally {
      await h.close();
    }
  });

  it('says the exit code and never the output when the command fails', async () => {
    const h = await withCommand([{ exit: 3, print: 'sk-leaked-output-9999' }], {});
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.equal(err.kind, 'auth_missing');
      assert.match(err.message, /could not get a token for p from command node: node exited with code 3/);
      const everything = JSON.stringify({ message: err.message, trail: err.trail, warnings: h.warnings });
      assert.doesNotMatch(everything, /sk-leaked-output|stderr text/);
      assert.equal(err.trail.filter((a) => a.credential !== undefined).length, 0, 'nothing was sent');
    } finally {
      await h.close();
    }
  });

  it('refuses several lines of bare output', async () => {
    const h = await withCommand([{ lines: ['tok-a-1234567', 'tok-b-1234567'] }], {});
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.match(err.message, /it printed 2 lines; print the token alone on one line/);
      assert.doesNotMatch(err.message, /tok-a/);
    } finally {
      await h.close();
    }
  });

  it('stops a command that takes longer than its timeout', async () => {
    const h = await withCommand([{ hang: true }], {}, { timeout: '300ms' });
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.match(err.message, /node did not finish within 0\.3s \(api_key_command timeout\) and was stopped/);
    } finally {
      await h.close();
    }
  });

  it('gives the command a minimal environment plus the variables it names', async () => {
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin',
      HOME: '/tmp',
      OP_SERVICE_ACCOUNT_TOKEN: 'ops_x',
      UNRELATED_SECRET: 'nope',
    };
    const h = await withCommand(
      ['tok-env-0000001'],
      { 'tok-env-0000001': {} },
      { env: ['OP_SERVICE_ACCOUNT_TOKEN'] },
      { env },
    );
    try {
      await h.router.chat({ messages: hello });
      const names = tokenScriptEnv(h.script);
      assert.ok(names.includes('PATH'));
      assert.ok(names.includes('OP_SERVICE_ACCOUNT_TOKEN'));
      assert.ok(!names.includes('UNRELATED_SECRET'));
    } finally {
      await h.close();
    }
  });

  it('runs a string by sh -c', async () => {
    const h = await harness({
      scenario: { keys: { 'tok-shell-000001': {} } },
      config: (u) => ({
        providers: { p: { type: 'openai', base_url: u.openai, api_key_command: 'printf "%s\\n" tok-shell-000001' } },
        main: { provider: 'p', model: 'sim-large' },
      }),
      env: { PATH: process.env['PATH'] ?? '/usr/bin' },
    });
    try {
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      assert.equal(h.sim.calls('tok-shell-000001'), 1);
    } finally {
      await h.close();
    }
  });
});

describe('api_key_file', () => {
  let file: string;
  before(() => {
    file = join(ws.dir, 'openai_key');
    writeFileSync(file, 'tok-file-first-01\n');
  });

  it('reads the key from the file, re-reads it after a 401, and sees a change by itself', async () => {
    const h = await harness({
      scenario: {
        keys: { 'tok-file-first-01': { script: ['ok', '401'] }, 'tok-file-second1': {}, 'tok-file-third-1': {} },
      },
      config: (u) => ({
        providers: { p: { type: 'openai', base_url: u.openai, api_key_file: file } },
        main: { provider: 'p', model: 'sim-large' },
        retry: FAST_RETRY,
      }),
    });
    try {
      assert.equal((await h.router.chat({ messages: hello })).status, 'ok');
      writeFileSync(file, 'tok-file-second1\n');
      // The first key is rejected now (its script); the file is read again at once.
      const r = await h.router.chat({ messages: hello });
      assert.deepEqual(
        r.trail.map((a) => [a.outcome, a.credential?.masked, a.note]),
        [
          ['auth_rejected', 'tok-…t-01', undefined],
          ['ok', 'tok-…ond1', 're-minted after 401'],
        ],
      );
      // A change is seen without a 401 too.
      writeFileSync(file, 'tok-file-third-1\n');
      await until('the third key in use', async () => {
        await h.router.chat({ messages: hello });
        return h.sim.calls('tok-file-third-1') > 0;
      });
    } finally {
      await h.close();
    }
  });

  it('says there is no such file', async () => {
    const h = await harness({
      scenario: {},
      config: (u) => ({
        providers: { p: { type: 'openai', base_url: u.openai, api_key_file: join(ws.dir, 'missing') } },
        main: { provider: 'p', model: 'sim-large' },
      }),
    });
    try {
      const err = await failure(h.router.chat({ messages: hello }));
      assert.equal(err.kind, 'auth_missing');
      assert.match(err.message, /from file .*missing: there is no such file \(providers\.p\.api_key_file\)/);
    } finally {
      await h.close();
    }
  });
});
