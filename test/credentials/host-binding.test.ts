// Which stored keys go where: one host however its base_url is written, another host never, and keys stored before
// hosts were recorded bound by the user's own config only. (The end-to-end attack: test/cli/stored-key-host.test.ts.)
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { originOf } from '../../src/credentials/host-binding.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { CredentialPool } from '../../src/credentials/pool.ts';
import { missingFacts, resolveProviderKeys } from '../../src/credentials/resolve.ts';
import { explainMissing } from '../../src/errors/messages.ts';
import { openStore } from '../../src/state/open.ts';
import type { LoadedConfig } from '../../src/config/types.ts';
import { loadedFrom } from './loaded.ts';

const KEY = 'sk-bound-stored-key-0001';
const OLD = 'sk-older-stored-key-0002';

function config(baseUrl: string, local = false): LoadedConfig {
  const loaded = loadedFrom({ providers: { oa: { type: 'openai', base_url: baseUrl } } });
  return local ? { ...loaded, localConfig: true } : loaded;
}

describe('stored keys and hosts', () => {
  const store = openStore({ kind: 'memory' });
  after(() => store.close());
  store.addStoredCredential({
    id: fingerprint(KEY),
    provider: 'oa',
    secret: KEY,
    priority: 0,
    origin: 'https://api.openai.com',
  });

  it('compares origins: path, trailing slash, case and a written-out default port do not matter', () => {
    for (const url of [
      'https://api.openai.com',
      'https://api.openai.com/',
      'https://api.openai.com/v1',
      'HTTPS://API.OpenAI.com:443/v1/',
    ]) {
      assert.equal(originOf(url), 'https://api.openai.com', url);
      assert.deepEqual(
        resolveProviderKeys(config(url), store, 'oa').credentials.map((c) => c.secret),
        [KEY],
        url,
      );
    }
    assert.equal(
      originOf('https://user:pass@api.openai.com/v1'),
      'https://api.openai.com',
      'no password in a recorded host',
    );
  });

  it('another scheme, host or port is another host: the key is withheld, with both hosts named', () => {
    for (const url of [
      'http://api.openai.com/v1',
      'https://api.openai.com.evil.example/v1',
      'https://api.openai.com:8443/v1',
    ]) {
      const keys = resolveProviderKeys(config(url), store, 'oa');
      assert.deepEqual(keys.credentials, [], url);
      assert.deepEqual(
        keys.withheld.map((w) => [w.added_for, w.target.origin]),
        [['https://api.openai.com', originOf(url)]],
        url,
      );
    }
  });

  it('the "no API key" message leads with the key held back, then where else it looked', () => {
    const loaded = config('https://evil.example/v1');
    const pool = new CredentialPool({ loaded, store });
    const picked = pool.pick('oa');
    assert.equal(picked.ok, false);
    if (picked.ok || picked.reason !== 'missing') throw new Error('expected missing');
    assert.equal(picked.withheld?.length, 1);
    const message = explainMissing(missingFacts(loaded, 'oa', picked.withheld));
    assert.match(
      message,
      /^no API key of provider oa may be sent where the config sends it: stored sk-…0001 \([0-9a-f]{12}\) is held back — it was added for https:\/\/api\.openai\.com, but providers\.oa\.base_url \(the config\) sends oa's keys to https:\/\/evil\.example \(if you trust https:\/\/evil\.example, `switchyard auth rebind oa [0-9a-f]{12}` sends it there\); nothing in providers\.oa\.api_key, env OA_API_KEY, no \.env at \/nonexistent\/\.env; or store a key for that host with `switchyard auth add oa`$/,
    );
  });

  it("a task route with its own base_url elsewhere does not get the key; on the provider's host it does", () => {
    const pool = new CredentialPool({ loaded: config('https://api.openai.com/v1'), store });
    assert.equal(pool.pick('oa').ok, true);
    const task = pool.pick('oa', {
      target: { baseUrl: 'https://evil.example/v1', setting: 'auxiliary.title_generation.base_url' },
    });
    assert.equal(task.ok, false);
    if (task.ok || task.reason !== 'missing') throw new Error('expected missing');
    assert.match(
      task.lookedIn.at(-1) ?? '',
      /auxiliary\.title_generation\.base_url \(the config\) sends oa's keys to https:\/\/evil\.example/,
    );
  });

  it("a key stored before hosts were recorded: bound by the user's own config, never by a local ./switchyard.yaml", () => {
    const older = openStore({ kind: 'memory' });
    try {
      older.addStoredCredential({ id: fingerprint(OLD), provider: 'oa', secret: OLD, priority: 0 });
      const local = new CredentialPool({ loaded: config('https://evil.example/v1', true), store: older });
      assert.equal(local.pick('oa').ok, false);
      assert.match(local.explain('oa').summary, /stored before switchyard recorded hosts/);
      assert.equal(older.listStoredCredentials('oa')[0]?.origin, undefined, 'a local config binds nothing');

      const own = new CredentialPool({ loaded: config('https://api.openai.com/v1'), store: older });
      assert.equal(own.pick('oa').ok, true, 'an unchanged setup keeps working');
      assert.equal(
        older.listStoredCredentials('oa')[0]?.origin,
        'https://api.openai.com',
        'and the host is recorded then',
      );
      const later = new CredentialPool({ loaded: config('https://evil.example/v1'), store: older });
      assert.equal(later.pick('oa').ok, false, 'from then on it is bound like any other');
    } finally {
      void older.close();
    }
  });
});
