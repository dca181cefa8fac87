// A stored key goes only to the host it was added for (src/credentials/host-binding.ts). The attack: a cloned
// repository's ./switchyard.yaml names the user's provider but points it at another host. Two simulators on loopback
// stand for the real provider and the other host; the CLI runs (in-process) in the "repository" directory,
// and the other host's call log is checked for the key it must never see.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { assertNoSecrets, runCliInProcess, type CliResult } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { fingerprint } from '../../src/config/mask.ts';
import type { ProviderExplanation } from '../../src/credentials/pool.ts';
import { startSimulator } from '../../src/sim/server.ts';
import type { RunningSimulator } from '../../src/sim/types.ts';
import { openStore } from '../../src/state/open.ts';

const STORED = 'sk-stored-user-key-0000host';
const OLDER = 'sk-stored-before-hosts-00old';
const ID = fingerprint(STORED);
const SCENARIO = { models: { 'sim-large': {}, 'sim-small': {} }, keys: { [STORED]: {}, [OLDER]: {} } };

const ws = tempWorkspace('switchyard-host-');
let real: RunningSimulator;
let other: RunningSimulator;
/** The user's own config (XDG), the directory of a cloned repository, and a directory with no config. */
let repo: string;
let elsewhere: string;

function config(baseUrl: string, extra: Record<string, unknown> = {}): string {
  return stringify({
    providers: { openai: { type: 'openai', base_url: baseUrl, key_env: 'SWITCHYARD_TEST_UNUSED_KEY', timeout: '5s' } },
    main: { provider: 'openai', model: 'sim-large' },
    auxiliary: { title_generation: { provider: 'none' } },
    retry: { max_retries: 0, auth_retries: 0, base_delay: '1ms', max_delay: '2ms', max_wait: '1ms' },
    ...extra,
  });
}

function run(args: string[], cwd: string, input?: string): Promise<CliResult> {
  const env = { HOME: join(ws.dir, 'user'), XDG_CONFIG_HOME: join(ws.dir, 'xdg'), SWITCHYARD_HOME: ws.home };
  return runCliInProcess(args, { cwd, env, ...(input !== undefined ? { input } : {}) });
}

/** Every key the other host was sent; it must never hold a stored key. */
function keysSeenByOther(): string[] {
  return other.log().map((c) => c.key);
}

function writeRepoConfig(baseUrl: string, extra: Record<string, unknown> = {}): void {
  ws.write('repo/switchyard.yaml', config(baseUrl, extra));
}

before(async () => {
  real = await startSimulator({ scenario: SCENARIO });
  other = await startSimulator({ scenario: SCENARIO });
  ws.write('xdg/switchyard/config.yaml', config(`${real.url}/v1`));
  repo = join(ws.dir, 'repo');
  elsewhere = join(ws.dir, 'elsewhere');
  mkdirSync(elsewhere, { recursive: true });
  const added = await run(['auth', 'add', 'openai', '--label', 'work'], elsewhere, STORED);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, new RegExp(`for ${real.url.replace(/[.:/]/g, '\\$&')}\\n`));
});

after(async () => {
  await real.close();
  await other.close();
  ws.cleanup();
});

describe('a stored key and a ./switchyard.yaml that sends its provider elsewhere', () => {
  it('chat there does not send the key, and says why: both hosts, the file, the fix', async () => {
    writeRepoConfig(`${other.url}/v1`);
    const r = await run(['chat', '-m', 'hello'], repo);
    assert.equal(r.code, 1);
    assert.deepEqual(keysSeenByOther(), [], 'the other host received no call at all');
    assert.match(r.stderr, /no API key of provider openai may be sent where the config sends it/);
    assert.ok(
      r.stderr.includes(`stored "work" sk-…host (${ID}) is held back — it was added for ${real.url}`),
      r.stderr,
    );
    assert.ok(r.stderr.includes(`providers.openai.base_url (${join(repo, 'switchyard.yaml')}:`), r.stderr);
    assert.ok(r.stderr.includes(`sends openai's keys to ${other.url}`), r.stderr);
    assert.ok(r.stderr.includes(`\`switchyard auth rebind openai ${ID}\``), r.stderr);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
  });

  it('auth list, auth explain and doctor show it held back, with the hosts', async () => {
    writeRepoConfig(`${other.url}/v1`);
    const list = await run(['auth', 'list'], repo);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(
        `openai\\s+-\\s+${ID}\\s+sk-…host\\s+stored "work"\\s+held back: added for ${real.url.replace(/[.:/]/g, '\\$&')}`,
      ),
    );
    assert.ok(
      list.stdout.includes(`openai stored "work" sk-…host (${ID}) is held back: it was added for ${real.url}`),
      list.stdout,
    );

    const explained = await run(['auth', 'explain', 'openai', '--json'], repo);
    const e = JSON.parse(explained.stdout) as ProviderExplanation;
    assert.deepEqual(e.candidates, []);
    assert.deepEqual(
      e.withheld.map((w) => [w.id, w.added_for, w.target.origin, w.target.setting]),
      [[ID, real.url, other.url, 'providers.openai.base_url']],
    );
    assert.ok(e.withheld[0]!.target.writtenAt.startsWith(`${join(repo, 'switchyard.yaml')}:`));
    assert.match(e.summary, /^no API key of provider openai may be sent to http:\/\/127\.0\.0\.1:\d+: stored "work"/);

    const doctor = await run(['doctor'], repo);
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.ok(doctor.stdout.includes(`is held back — it was added for ${real.url}`), doctor.stdout);
    assert.deepEqual(keysSeenByOther(), [], 'doctor probed nothing on the other host');
  });

  it('a task whose own base_url points elsewhere does not take the key there either', async () => {
    writeRepoConfig(`${real.url}/v1`, {
      auxiliary: { title_generation: { provider: 'openai', model: 'sim-small', base_url: `${other.url}/v1` } },
    });
    const r = await run(['chat', '-m', 'hello', '--json'], repo);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(
      real.log().some((c) => c.key === STORED && c.model === 'sim-large'),
      'the main route used the key on its own host',
    );
    assert.ok(!keysSeenByOther().includes(STORED), 'the title task did not send it to its base_url');
  });

  it('the same host written differently still gets the key: a trailing slash, an upper-case scheme', async () => {
    const port = new URL(real.url).port;
    for (const baseUrl of [`${real.url}/v1/`, `HTTP://127.0.0.1:${port}/v1`]) {
      writeRepoConfig(baseUrl);
      real.reset();
      const r = await run(['chat', '-m', 'hello'], repo);
      assert.equal(r.code, 0, `${baseUrl}: ${r.stderr}`);
      assert.equal(real.calls(STORED), 1, baseUrl);
    }
  });

  it('auth rebind moves the key to the host the config names now, and only there', async () => {
    writeRepoConfig(`${other.url}/v1`);
    const rebound = await run(['auth', 'rebind', 'openai', 'work'], repo);
    assert.equal(rebound.code, 0, rebound.stderr);
    assert.ok(rebound.stdout.includes(`is now for ${other.url}`), rebound.stdout);
    assert.ok(rebound.stdout.includes(`it was for ${real.url}, and is not sent there any more`), rebound.stdout);
    const there = await run(['chat', '-m', 'hello'], repo);
    assert.equal(there.code, 0, there.stderr);
    assert.ok(keysSeenByOther().includes(STORED), 'sent where the user chose to send it');
    // Now the user's own config is the other host for it: held back there, until rebound back.
    const home = await run(['auth', 'explain', 'openai', '--json'], elsewhere);
    assert.deepEqual(
      (JSON.parse(home.stdout) as ProviderExplanation).withheld.map((w) => w.added_for),
      [other.url],
    );
    const back = await run(['auth', 'rebind', 'openai', ID.slice(0, 6)], elsewhere);
    assert.equal(back.code, 0, back.stderr);
    other.reset();
  });

  it('adding the same key again for another host points at rebind', async () => {
    writeRepoConfig(`${other.url}/v1`);
    const r = await run(['auth', 'add', 'openai'], repo, STORED);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`already stored for openai (ID ${ID}), for ${real.url}`), r.stderr);
    assert.ok(r.stderr.includes(`switchyard auth rebind openai ${ID}`), r.stderr);
  });
});

describe('a key stored before hosts were recorded', () => {
  before(async () => {
    // As an older switchyard stored it: no origin.
    const store = openStore({ home: ws.home });
    store.addStoredCredential({
      id: fingerprint(OLDER),
      provider: 'openai',
      secret: OLDER,
      priority: 5,
      label: 'older',
    });
    await store.close();
  });

  it('is not sent by a ./switchyard.yaml found in the current directory', async () => {
    writeRepoConfig(`${other.url}/v1`);
    other.reset();
    const r = await run(['chat', '-m', 'hello'], repo);
    assert.equal(r.code, 1);
    assert.deepEqual(keysSeenByOther(), []);
    assert.ok(r.stderr.includes(`stored "older"`), r.stderr);
    assert.ok(r.stderr.includes('it was stored before switchyard recorded hosts'), r.stderr);
  });

  it("is bound to the host of the user's own config the first time that config uses it, and held back elsewhere after", async () => {
    const r = await run(['auth', 'list', 'openai', '--json'], elsewhere);
    assert.equal(r.code, 0, r.stderr);
    const store = openStore({ home: ws.home });
    try {
      assert.equal(store.listStoredCredentials('openai').find((c) => c.label === 'older')?.origin, real.url);
    } finally {
      await store.close();
    }
    writeRepoConfig(`${other.url}/v1`);
    const there = await run(['auth', 'explain', 'openai', '--json'], repo);
    const e = JSON.parse(there.stdout) as ProviderExplanation;
    assert.deepEqual(e.withheld.map((w) => [w.label, w.added_for]).sort(), [
      ['older', real.url],
      ['work', real.url],
    ]);
  });

  it('printed no secret', () => {
    assertNoSecrets([STORED, OLDER]);
  });
});
