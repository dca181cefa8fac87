// Source order, dedup of one secret seen in several places, and that config/env secrets are references.
import { it, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { envConflict, lookedIn, missingFacts, resolveCredentials } from '../../src/credentials/resolve.ts';
import { keyEnvName } from '../../src/config/key-slots.ts';
import { fingerprint } from '../../src/config/mask.ts';
import { openStore } from '../../src/state/open.ts';
import { loadedFrom, BASE } from './loaded.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { LoadedConfig } from '../../src/config/types.ts';
import { describeKey } from '../../src/credentials/describe.ts';
import { describeCredential } from '../../src/credentials/describe.ts';
import { taskKeys } from '../../src/credentials/task-keys.ts';

const store = openStore({ kind: 'memory' });
after(() => store.close());

describe('resolveCredentials', () => {
  it('orders config keys (file order), env, .env, then stored keys by priority', () => {
    store.addStoredCredential({
      id: fingerprint('sk-stored-late-0009'),
      provider: 'mimo',
      secret: 'sk-stored-late-0009',
      priority: 9,
      label: 'late',
    });
    store.addStoredCredential({
      id: fingerprint('sk-stored-early-001'),
      provider: 'mimo',
      secret: 'sk-stored-early-001',
      priority: 1,
    });
    const loaded = loadedFrom(
      {
        providers: {
          mimo: {
            type: 'openai',
            base_url: BASE,
            api_key: 'sk-config-one-0001',
            api_keys: ['sk-config-two-0002', 'sk-config-three-03'],
          },
        },
      },
      { MIMO_API_KEY: 'sk-env-value-00004' },
      { MIMO_API_KEY: 'sk-dotenv-value-05' },
    );
    const creds = resolveCredentials(loaded, store, 'mimo');
    assert.deepEqual(
      creds.map((c) => c.sources.map((s) => s.where).join('+')),
      [
        'providers.mimo.api_key',
        'providers.mimo.api_keys[0]',
        'providers.mimo.api_keys[1]',
        'env MIMO_API_KEY',
        '.env MIMO_API_KEY',
        `stored ${fingerprint('sk-stored-early-001')}`,
        'stored "late"',
      ],
    );
    assert.equal(creds[0]?.fingerprint, fingerprint('sk-config-one-0001'));
    assert.equal(creds[0]?.masked, 'sk-…0001');
    assert.equal(creds[6]?.label, 'late');
  });

  it('one secret from several sources is one credential with every source, in first position', () => {
    const loaded = loadedFrom(
      {
        providers: {
          p: {
            type: 'openai',
            base_url: BASE,
            api_keys: ['sk-other-key-00001', 'sk-shared-key-0002'],
            key_env: 'P_KEY',
          },
        },
      },
      { P_KEY: 'sk-shared-key-0002' },
      { P_KEY: 'sk-shared-key-0002' },
    );
    const creds = resolveCredentials(loaded, store, 'p');
    assert.equal(creds.length, 2);
    assert.deepEqual(
      creds[1]?.sources.map((s) => s.kind),
      ['config', 'env', 'dotenv'],
    );
  });

  it('skips empty values and unresolved ${VAR}; never an empty key', () => {
    const loaded = loadedFrom(
      { providers: { p: { type: 'openai', base_url: BASE, api_key: '${P_API_KEY}', api_keys: ['', '  '] } } },
      { P_API_KEY: '' },
    );
    assert.deepEqual(resolveCredentials(loaded, store, 'p'), []);
    assert.deepEqual(lookedIn(loaded, 'p'), [
      'providers.p.api_key',
      'providers.p.api_keys',
      'env P_API_KEY',
      'no .env at /nonexistent/.env',
    ]);
  });

  it("an api_keys list of unset ${VAR}s: every entry is named, even the default variable's, and no api_key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-resolve-'));
    try {
      const file = join(dir, 'switchyard.yaml');
      // As `config init` writes it: the first entry reads the provider's own variable.
      writeFileSync(
        file,
        `providers:\n  deepseek:\n    type: openai\n    base_url: ${BASE}\n    api_keys: ["\${DEEPSEEK_API_KEY}", "\${DEEPSEEK_API_KEY_2}"]\n`,
      );
      const unset = 'which is not set (not in the environment, and there is no .env)';
      // "env DEEPSEEK_API_KEY" is not repeated after the slot that already says that variable is not set.
      assert.deepEqual(lookedIn(loadConfig({ configPath: file, env: {} }), 'deepseek'), [
        `providers.deepseek.api_keys[0] is \${DEEPSEEK_API_KEY}, ${unset}`,
        `providers.deepseek.api_keys[1] is \${DEEPSEEK_API_KEY_2}, ${unset}`,
        `no .env at ${join(dir, '.env')}`,
      ]);
      // With one entry set, the other is still named, and the default variable is listed as a place of its own.
      writeFileSync(
        file,
        `providers:\n  deepseek:\n    type: openai\n    base_url: ${BASE}\n    api_keys: ["", "\${DS_2}"]\n`,
      );
      assert.deepEqual(lookedIn(loadConfig({ configPath: file, env: {} }), 'deepseek'), [
        `providers.deepseek.api_keys[1] is \${DS_2}, ${unset}`,
        'env DEEPSEEK_API_KEY',
        `no .env at ${join(dir, '.env')}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says ".env" when the config has one beside it, and where it would be when it does not', () => {
    const raw = { providers: { p: { type: 'openai', base_url: BASE } } };
    assert.deepEqual(lookedIn(loadedFrom(raw, {}, { OTHER: 'x' }), 'p'), [
      'providers.p.api_key',
      'env P_API_KEY',
      '.env',
    ]);
    assert.deepEqual(lookedIn(loadedFrom(raw), 'p').at(-1), 'no .env at /nonexistent/.env');
  });

  it('says as values what an untrusted ./switchyard.yaml kept back: a variable it would send away, a minted source', () => {
    const raw = { providers: { p: { type: 'openai', base_url: BASE } } };
    const plain = missingFacts(loadedFrom(raw), 'p');
    assert.equal(plain.untrusted, undefined);
    assert.deepEqual(plain.heldBack, []);
    const withheld = { name: 'P_API_KEY', hosts: ['https://evil.invalid'], readAt: ['providers.p.key_env'] };
    const sends: LoadedConfig = { ...loadedFrom(raw), withheldEnv: new Map([['P_API_KEY', withheld]]) };
    assert.equal(missingFacts(sends, 'p').untrusted, 'sends_keys');
    const slots = ['providers.p.api_key_command'];
    const mints: LoadedConfig = { ...loadedFrom(raw), untrustedMinting: { slots, warning: '' } };
    const facts = missingFacts(mints, 'p');
    assert.equal(facts.untrusted, 'mints_key');
    assert.deepEqual(
      facts.lookedIn,
      lookedIn(mints, 'p'),
      'with nothing held back, the places are all `auth explain` lists',
    );
  });

  it('names a key by its position in the file when an earlier entry was dropped for an unset ${VAR}', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-resolve-'));
    try {
      const file = join(dir, 'switchyard.yaml');
      writeFileSync(
        file,
        `providers:\n  p:\n    type: openai\n    base_url: ${BASE}\n    api_keys:\n      - \${UNSET_KEY_A}\n      - sk-literal-key-000001\n      - \${SET_KEY_B}\n`,
      );
      const loaded = loadConfig({ configPath: file, env: { SET_KEY_B: 'sk-env-key-000000002' } });
      const where = resolveCredentials(loaded, store, 'p').map((c) => c.sources[0]?.where);
      assert.deepEqual(where, ['providers.p.api_keys[1]', 'providers.p.api_keys[2]']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a config key written as ${VAR} says where the variable is set, in messages and tables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-resolve-'));
    try {
      const file = join(dir, 'switchyard.yaml');
      writeFileSync(
        file,
        `providers:\n  p:\n    type: openai\n    base_url: ${BASE}\n    api_keys:\n      - \${HTML_KEY}\n      - sk-literal-key-000001\n      - \${SET_KEY_B}\n  q:\n    type: openai\n    base_url: ${BASE}\n    api_key: \${HTML_KEY}\n`,
      );
      writeFileSync(join(dir, '.env'), 'HTML_KEY=sk-dotenv-key-0000003\n');
      const loaded = loadConfig({ configPath: file, env: { SET_KEY_B: 'sk-env-key-000000002' }, cwd: dir });
      const [fromDotenv, literal, fromEnv] = resolveCredentials(loaded, store, 'p');
      assert.deepEqual(fromDotenv?.sources, [
        { kind: 'config', where: 'providers.p.api_keys[0]', via: '.env HTML_KEY' },
      ]);
      assert.equal(describeKey(fromDotenv!), 'sk-…0003 (config providers.p.api_keys[0], from .env HTML_KEY)');
      assert.equal(describeKey(literal!), 'sk-…0001 (config providers.p.api_keys[1])');
      assert.equal(describeKey(fromEnv!), 'sk-…0002 (config providers.p.api_keys[2], from env SET_KEY_B)');
      assert.equal(describeKey(resolveCredentials(loaded, store, 'q')[0]!), 'sk-…0003 (config, from .env HTML_KEY)');
      assert.equal(
        describeCredential(resolveCredentials(loaded, store, 'q')[0]!),
        'config key (.env HTML_KEY) sk-…0003',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a task's own key is named by its slot in messages, not as the provider's config key", () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-resolve-'));
    try {
      const file = join(dir, 'switchyard.yaml');
      writeFileSync(
        file,
        `providers:\n  x:\n    type: openai\n    base_url: ${BASE}\n    api_key: sk-provider-key-00001\nmain: { provider: x, model: m }\nauxiliary:\n  title_generation: { provider: x, model: m, api_key: "\${TITLE_KEY}" }\n  compression: { provider: x, model: m, api_key: sk-compression-00002 }\n`,
      );
      writeFileSync(join(dir, '.env'), 'TITLE_KEY=sk-title-key-000003\n');
      const loaded = loadConfig({ configPath: file, env: {}, cwd: dir });
      const named = taskKeys(loaded).map((k) => describeCredential(k.credential));
      assert.deepEqual(named, [
        'config auxiliary.title_generation.api_key (.env TITLE_KEY) sk-…0003',
        'config auxiliary.compression.api_key sk-…0002',
      ]);
      assert.equal(
        describeCredential(resolveCredentials(loaded, store, 'x')[0]!),
        'config key sk-…0001',
        'the provider\'s own key is still just "config key"',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('api_key: ${MIMO_API_KEY} (as config init writes it) is one source, not also the key variable it reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-resolve-'));
    try {
      const file = join(dir, 'switchyard.yaml');
      writeFileSync(
        file,
        `providers:\n  initp:\n    type: openai\n    base_url: ${BASE}\n    key_env: MIMO_API_KEY\n    api_key: \${MIMO_API_KEY}\n`,
      );
      for (const [env, dotenv, via] of [
        [{ MIMO_API_KEY: 'sk-same-variable-00001' }, '', 'env MIMO_API_KEY'],
        [{}, 'MIMO_API_KEY=sk-same-variable-00001\n', '.env MIMO_API_KEY'],
      ] as const) {
        writeFileSync(join(dir, '.env'), dotenv);
        const [key, ...rest] = resolveCredentials(loadConfig({ configPath: file, env, cwd: dir }), store, 'initp');
        assert.deepEqual(key?.sources, [{ kind: 'config', where: 'providers.initp.api_key', via }]);
        assert.equal(rest.length, 0);
        assert.equal(describeKey(key!), `sk-…0001 (config, from ${via})`);
      }
      // The same value in the environment and in .env: the .env is a second place it is written, and says so.
      writeFileSync(join(dir, '.env'), 'MIMO_API_KEY=sk-same-variable-00001\n');
      const [both] = resolveCredentials(
        loadConfig({ configPath: file, env: { MIMO_API_KEY: 'sk-same-variable-00001' }, cwd: dir }),
        store,
        'initp',
      );
      assert.deepEqual(
        both?.sources.map((s) => s.where),
        ['providers.initp.api_key', '.env MIMO_API_KEY'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-reads config every time: an edited key is a new credential, the old one is gone', () => {
    const before = loadedFrom({ providers: { p: { type: 'openai', base_url: BASE, api_key: 'sk-old-key-000001' } } });
    const afterEdit = loadedFrom({
      providers: { p: { type: 'openai', base_url: BASE, api_key: 'sk-new-key-000002' } },
    });
    assert.equal(resolveCredentials(before, store, 'p')[0]?.fingerprint, fingerprint('sk-old-key-000001'));
    assert.deepEqual(
      resolveCredentials(afterEdit, store, 'p').map((c) => c.fingerprint),
      [fingerprint('sk-new-key-000002')],
    );
  });

  it('derives the key variable name from the provider name', () => {
    const loaded = loadedFrom({ providers: { 'my-llm_v2': { type: 'openai', base_url: BASE } } });
    assert.equal(keyEnvName(loaded, 'my-llm_v2'), 'MY_LLM_V2_API_KEY');
  });

  it('detects env and .env disagreeing', () => {
    const p = { providers: { p: { type: 'openai', base_url: BASE } } };
    assert.equal(
      envConflict(loadedFrom(p, { P_API_KEY: 'sk-a-000000000001' }, { P_API_KEY: 'sk-a-000000000001' }), 'p'),
      undefined,
    );
    assert.equal(
      envConflict(loadedFrom(p, { P_API_KEY: 'sk-a-000000000001' }, { P_API_KEY: 'sk-b-000000000002' }), 'p')?.variable,
      'P_API_KEY',
    );
  });
});
