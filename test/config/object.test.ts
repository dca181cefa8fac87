// configFromObject: a config from a plain object with the file's schema, defaults, ${VAR} and checks; and the
// public createSwitchyard refusing, with a UserError saying what to pass, anything that is not a LoadedConfig.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { configFromObject, createSwitchyard, loadConfig, openStore, startSimulator } from '../../src/index.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const ws = tempWorkspace('switchyard-config-object-');
after(() => ws.cleanup());

const PROVIDERS = { mimo: { type: 'openai', base_url: 'https://api.example.com/v1' } };

test('an object gets the same defaults as a file, and the same LoadedConfig shape (path null: nothing to watch)', () => {
  ws.write(
    'same/switchyard.yaml',
    'providers:\n  mimo: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: mimo, model: m1 }\n',
  );
  const fromFile = loadConfig({ cwd: `${ws.dir}/same`, env: {} });
  const fromObject = configFromObject(
    { providers: PROVIDERS, main: { provider: 'mimo', model: 'm1' } },
    { dir: `${ws.dir}/same`, env: {} },
  );
  assert.deepEqual(fromObject.config, fromFile.config);
  assert.equal(fromObject.path, null);
  assert.equal(fromObject.dir, `${ws.dir}/same`);
  assert.equal(fromObject.config.retry.max_retries, fromFile.config.retry.max_retries);
  assert.equal(fromObject.config.gateway.state, 'sqlite');
  assert.deepEqual(fromObject.warnings, []);
});

test('${VAR} is interpolated from env, then from .env in dir; an unset key variable means no key from there', () => {
  ws.write('vars/.env', 'FROM_DOTENV=https://dotenv.example.com/v1\nMIMO_KEY=sk-dotenv-0000000001\n');
  const loaded = configFromObject(
    {
      providers: {
        mimo: {
          type: 'openai',
          base_url: '${FROM_DOTENV}',
          api_keys: ['${MIMO_KEY}', '${UNSET_KEY}', 'sk-literal-000000002'],
        },
        other: { type: 'anthropic', base_url: '${OTHER_URL}' },
      },
      main: { provider: 'mimo', model: '${MODEL}' },
      retry: { base_delay: '250ms' },
    },
    { dir: `${ws.dir}/vars`, env: { MODEL: 'mimo-large', OTHER_URL: 'https://other.example.com' } },
  );
  assert.equal(loaded.config.providers['mimo']?.base_url, 'https://dotenv.example.com/v1');
  assert.deepEqual(loaded.config.providers['mimo']?.api_keys, ['sk-dotenv-0000000001', 'sk-literal-000000002']);
  assert.equal(loaded.config.main?.model, 'mimo-large');
  assert.equal(loaded.config.retry.base_delay, 250);
  assert.equal(loaded.unresolved?.get('providers.mimo.api_keys[1]'), 'UNSET_KEY');
  assert.equal(loaded.dotenvPath, `${ws.dir}/vars/.env`);
  assert.deepEqual(loaded.origins.get('providers.mimo.base_url'), {
    kind: 'dotenv',
    name: 'FROM_DOTENV',
    dotenvFile: `${ws.dir}/vars/.env`,
  });
  assert.deepEqual(loaded.origins.get('main.model'), { kind: 'env', name: 'MODEL' });
  assert.deepEqual(loaded.origins.get('providers.mimo.type'), { kind: 'file', file: 'config object', line: 0, col: 0 });
  assert.deepEqual(loaded.origins.get('retry.max_retries'), { kind: 'default' });

  const noDotenv = userError(() =>
    configFromObject(
      { providers: { mimo: { ...PROVIDERS.mimo, base_url: '${FROM_DOTENV}' } } },
      { dir: `${ws.dir}/vars`, env: {}, dotenv: false },
    ),
  );
  assert.match(noDotenv.message, /^invalid config object: providers\.mimo\.base_url: \$\{FROM_DOTENV\} is not set/);
});

test('every problem is reported at once by key path (no meaningless line numbers), with did-you-mean hints', () => {
  const err = userError(() =>
    configFromObject(
      {
        providers: { mimo: { type: 'opnai', base_url: 'https://api.example.com/v1', timeout: 'abc' } },
        main: { provider: 'mimoo', model: 'm1' },
        retyr: {},
      },
      { env: {}, dotenv: false },
    ),
  );
  const lines = err.message.split('\n');
  assert.equal(lines[0], 'invalid config object: 4 problems');
  assert.ok(
    lines.includes(
      '  providers.mimo.type: expected one of openai | anthropic | azure | gemini | vertex | bedrock, got "opnai" (did you mean `openai`?)',
    ),
    err.message,
  );
  assert.ok(
    lines.some((l) => l.startsWith('  providers.mimo.timeout: expected a duration like 250ms')),
    err.message,
  );
  assert.ok(
    lines.some((l) => l.startsWith('  main.provider: unknown provider `mimoo` (did you mean `mimo`?)')),
    err.message,
  );
  assert.ok(
    lines.some((l) => l.startsWith('  retyr: unknown key `retyr` (did you mean `retry`?)')),
    err.message,
  );
  assert.doesNotMatch(err.message, /config object:\d/);

  const one = userError(() => configFromObject({ retry: { max_retries: -1 } }, { env: {}, dotenv: false }));
  assert.equal(one.message, 'invalid config object: retry.max_retries: expected a number >= 0, got number -1');
});

test('something that is not a plain object is refused with what to pass', () => {
  for (const bad of [undefined, null, 'switchyard.yaml', [1], new Map()]) {
    const err = userError(() => configFromObject(bad));
    assert.match(err.message, /^configFromObject expects a plain object like the YAML config, got /);
    assert.match(err.details.join('\n'), /configFromObject\(\{ providers:/);
  }
});

test('createSwitchyard refuses anything but a LoadedConfig, saying what to pass; reload too', async () => {
  const plain = { providers: PROVIDERS, main: { provider: 'mimo', model: 'm1' } };
  const cases: [unknown, RegExp][] = [
    [plain, /config is a plain config object, not a loaded config: wrap it, configFromObject\(yourObject\)/],
    [undefined, /config is missing: pass loadConfig\(\) .* or configFromObject\(/],
    [
      './switchyard.yaml',
      /config is a string, not a loaded config: for a file, pass loadConfig\(\{ configPath: ".\/switchyard.yaml" \}\)/,
    ],
    [Promise.resolve(1), /config is a Promise/],
    [42, /config is not a loaded config \(got number 42\)/],
  ];
  for (const [config, message] of cases) {
    // @ts-expect-error -- deliberately wrong, as an untyped caller might write it
    const err = userError(() => createSwitchyard({ config }));
    assert.match(err.message, /^createSwitchyard\(\{ config \}\): /);
    assert.match(err.message, message);
  }
  // @ts-expect-error -- no options at all
  assert.match(userError(() => createSwitchyard()).message, /createSwitchyard needs options/);

  const sim = await startSimulator({ scenario: { keys: { 'sk-object-key-000001': {} } } });
  const loaded = configFromObject(
    {
      providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: 'sk-object-key-000001' } },
      main: { provider: 'sim', model: 'sim-large' },
    },
    { env: {}, dotenv: false },
  );
  const sy = createSwitchyard({ config: loaded, store: openStore({ kind: 'memory' }) });
  try {
    const r = await sy.chat({ messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 'ok');
    assert.match(
      userError(() => sy.reload(plain as never)).message,
      /^reload\(loaded\): loaded is a plain config object/,
    );
    assert.equal(sy.config(), loaded, 'a refused reload keeps the config');
    const next = configFromObject(
      {
        ...plain,
        providers: { sim: { type: 'openai', base_url: `${sim.url}/v1`, api_key: 'sk-object-key-000001' } },
        main: { provider: 'sim', model: 'sim-small' },
      },
      { env: {}, dotenv: false },
    );
    sy.reload(next);
    assert.equal(sy.config(), next);
  } finally {
    await sy.close();
    await sim.close();
  }
});
