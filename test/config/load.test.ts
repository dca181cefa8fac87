// loadConfig as a library: discovery order, .env, ${VAR} interpolation, origins, durations and defaults.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { configFromObject } from '../../src/config/object.ts';
import { resolveCredentials } from '../../src/credentials/resolve.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const ws = tempWorkspace('switchyard-config-load-');
after(() => ws.cleanup());

const MINIMAL =
  'providers:\n  mimo: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: mimo, model: m1 }\n';
let n = 0;
/** A fresh directory per test, with the given files. */
function dir(files: Record<string, string>): string {
  const d = `t${n++}`;
  for (const [rel, text] of Object.entries(files)) ws.write(join(d, rel), text);
  ws.write(join(d, '.keep'), '');
  return join(ws.dir, d);
}

test('discovery: --config, then $SWITCHYARD_CONFIG, then ./switchyard.yaml, then XDG, then ~/.config', () => {
  const yaml = (model: string): string => MINIMAL.replace('m1', model);
  const d = dir({
    'explicit.yaml': yaml('explicit'),
    'from-env.yaml': yaml('env'),
    'switchyard.yaml': yaml('cwd'),
    'xdg/switchyard/config.yaml': yaml('xdg'),
    'home/.config/switchyard/config.yaml': yaml('home'),
  });
  const env = { HOME: join(d, 'home'), XDG_CONFIG_HOME: join(d, 'xdg'), SWITCHYARD_CONFIG: join(d, 'from-env.yaml') };
  const model = (o: Parameters<typeof loadConfig>[0]): string | undefined => loadConfig(o).config.main?.model;
  assert.equal(model({ cwd: d, env, configPath: 'explicit.yaml' }), 'explicit');
  assert.equal(model({ cwd: d, env }), 'env');
  assert.equal(model({ cwd: d, env: { ...env, SWITCHYARD_CONFIG: undefined } }), 'cwd');
  const elsewhere = dir({});
  assert.equal(model({ cwd: elsewhere, env: { HOME: env.HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME } }), 'xdg');
  assert.equal(model({ cwd: elsewhere, env: { HOME: env.HOME } }), 'home');
  const loaded = loadConfig({ cwd: d, env, configPath: 'explicit.yaml' });
  assert.equal(loaded.path, join(d, 'explicit.yaml'));
  assert.equal(loaded.dir, d);
});

test('an explicitly named file that does not exist is an error, never a silent fall-through', () => {
  const d = dir({ 'switchyard.yaml': MINIMAL });
  const e1 = userError(() => loadConfig({ cwd: d, env: {}, configPath: 'nope.yaml' }));
  assert.match(e1.message, /nope\.yaml.*does not exist/);
  assert.equal(e1.exitCode, 2);
  const e2 = userError(() => loadConfig({ cwd: d, env: { SWITCHYARD_CONFIG: join(d, 'gone.yaml') } }));
  assert.match(e2.message, /gone\.yaml \(from \$SWITCHYARD_CONFIG\) does not exist/);
});

test('nothing found: defaults with path null, or an error when allowMissing is false', () => {
  const d = dir({});
  const loaded = loadConfig({ cwd: d, env: { HOME: d } });
  assert.equal(loaded.path, null);
  assert.deepEqual(loaded.config.providers, {});
  assert.equal(loaded.config.retry.max_retries, 2);
  assert.deepEqual(loaded.origins.get('retry.max_retries'), { kind: 'default' });
  const e = userError(() => loadConfig({ cwd: d, env: { HOME: d }, allowMissing: false }));
  assert.match(e.message, /no config file found/);
});

test('an empty file (or only comments, or a lone null) is refused at 1:1; an empty mapping means every default', () => {
  for (const text of ['', '\n\n', '# nothing yet\n', '~\n']) {
    const d = dir({ 'switchyard.yaml': text });
    const e = userError(() => loadConfig({ cwd: d, env: {} }));
    assert.equal(
      e.message.split(': the file is empty')[0],
      `invalid config: ${join(d, 'switchyard.yaml')}:1:1`,
      JSON.stringify(text),
    );
  }
  const d = dir({ 'switchyard.yaml': '{}\n' });
  const loaded = loadConfig({ cwd: d, env: {} });
  assert.equal(loaded.path, join(d, 'switchyard.yaml'));
  assert.equal(loaded.config.cooldowns.quota, 3_600_000);
  assert.equal(loaded.config.auxiliary.title_generation.timeout, 30_000);
  assert.equal(loaded.config.gateway.listen, '127.0.0.1:4141');
});

test('durations are normalised to milliseconds', () => {
  const d = dir({
    'switchyard.yaml':
      'retry: { base_delay: 250ms, max_delay: 4s, max_wait: 1500 }\ncooldowns: { quota: 1h, auth_suspect: 5m, rate_limited: 1.5s }\n',
  });
  const c = loadConfig({ cwd: d, env: {} }).config;
  assert.equal(c.retry.base_delay, 250);
  assert.equal(c.retry.max_delay, 4000);
  assert.equal(c.retry.max_wait, 1500);
  assert.equal(c.cooldowns.quota, 3_600_000);
  assert.equal(c.cooldowns.auth_suspect, 300_000);
  assert.equal(c.cooldowns.rate_limited, 1500);
  const short = dir({
    'switchyard.yaml': 'auxiliary:\n  title_generation: { timeout: 30 }\nretry: { base_delay: 100 }\n',
  });
  const warned = loadConfig({ cwd: short, env: {} });
  assert.equal(warned.config.auxiliary.title_generation.timeout, 30);
  assert.deepEqual(
    warned.warnings.filter((w) => w.includes('bare number')),
    [
      'auxiliary.title_generation.timeout: a bare number is milliseconds, so 30 means 30ms; write 30s if you meant seconds',
    ],
  );
});

test('${VAR} comes from the environment first, then .env; .env is never copied into process.env', () => {
  const d = dir({
    'switchyard.yaml': MINIMAL + 'gateway:\n  listen: ${LISTEN}\n  state: ${STATE}\n',
    '.env': 'LISTEN=127.0.0.1:9999\nSTATE=sqlite\nSWITCHYARD_TEST_ONLY_IN_DOTENV=1\n',
  });
  const loaded = loadConfig({ cwd: d, env: { LISTEN: '0.0.0.0:8080' } });
  assert.equal(loaded.config.gateway.listen, '0.0.0.0:8080');
  assert.equal(loaded.config.gateway.state, 'sqlite');
  assert.equal(loaded.dotenvPath, join(d, '.env'));
  assert.equal(loaded.dotenv['STATE'], 'sqlite');
  assert.equal(process.env['SWITCHYARD_TEST_ONLY_IN_DOTENV'], undefined);
  assert.deepEqual(loaded.origins.get('gateway.listen'), {
    kind: 'env',
    name: 'LISTEN',
    file: join(d, 'switchyard.yaml'),
    line: 5,
    col: 11,
  });
  assert.deepEqual(loaded.origins.get('gateway.state'), {
    kind: 'dotenv',
    name: 'STATE',
    dotenvFile: join(d, '.env'),
    file: join(d, 'switchyard.yaml'),
    line: 6,
    col: 10,
  });
  assert.match(loaded.warnings.join('\n'), /LISTEN is set in the environment .* and differently in .*\.env/);
});

test('$${ writes a literal ${, and text around a variable is kept', () => {
  const d = dir({ 'switchyard.yaml': MINIMAL.replace('model: m1', () => 'model: "pre-${M}-$${LITERAL}"') });
  // Named: a discovered file would not send M to api.example.com untrusted (local-env.test.ts).
  assert.equal(
    loadConfig({ cwd: d, env: { M: 'x' }, configPath: join(d, 'switchyard.yaml') }).config.main?.model,
    'pre-x-${LITERAL}',
  );
});

test('an unset variable in a key slot means "no key from there", and its origin is kept', () => {
  const yaml =
    MINIMAL.replace(
      'base_url: https://api.example.com/v1 }',
      'base_url: https://api.example.com/v1, api_key: "${MIMO_API_KEY}" }',
    ) +
    'auxiliary:\n  title_generation: { provider: mimo, api_key: "${TITLE_KEY}" }\n' +
    'gateway: { admin_key: "${ADMIN}" }\n';
  const d = dir({ 'switchyard.yaml': yaml });
  const loaded = loadConfig({ cwd: d, env: {} });
  assert.equal(loaded.config.providers['mimo']?.api_key, undefined);
  assert.equal(loaded.config.auxiliary.title_generation.api_key, undefined);
  assert.equal(loaded.config.gateway.admin_key, undefined);
  assert.equal(loaded.unresolved?.get('providers.mimo.api_key'), 'MIMO_API_KEY');
  assert.equal(loaded.unresolved?.get('auxiliary.title_generation.api_key'), 'TITLE_KEY');
  assert.deepEqual(loaded.origins.get('providers.mimo.api_key'), {
    kind: 'env',
    name: 'MIMO_API_KEY',
    file: join(d, 'switchyard.yaml'),
    line: 2,
    col: 72,
  });
  // About the gateway alone: kept apart from the warnings a library caller (or a chat) is handed.
  assert.deepEqual(loaded.gatewayWarnings, [
    "gateway.admin_key: ${ADMIN} is not set, so the gateway's admin endpoints are off and /metrics is served without a key",
  ]);
  assert.doesNotMatch(loaded.warnings.join('\n'), /admin_key/);
});

test("the admin key is the gateway's business: a library caller's warnings never speak of it, whatever the gateway: section says", () => {
  for (const gateway of [
    'gateway: { listen: "127.0.0.1:4141" }\n',
    'gateway: { admin_key: "" }\n',
    'gateway: { admin_key: "${NO_SUCH_ADMIN_KEY}" }\n',
  ]) {
    const loaded = loadConfig({ cwd: dir({ 'switchyard.yaml': MINIMAL + gateway }), env: {} });
    assert.deepEqual(loaded.warnings, [], gateway);
    assert.equal(loaded.gatewayWarnings?.length, 1, gateway);
    assert.match(loaded.gatewayWarnings?.[0] ?? '', /^gateway\.admin_key.*admin endpoints are off/);
  }
  // No gateway: section, or a key: nothing to say, even to the gateway's checks.
  assert.equal(loadConfig({ cwd: dir({ 'switchyard.yaml': MINIMAL }), env: {} }).gatewayWarnings, undefined);
  const keyed = loadConfig({
    cwd: dir({ 'switchyard.yaml': `${MINIMAL}gateway: { admin_key: "\${ADMIN}" }\n` }),
    env: { ADMIN: 'adm-0123456789abcdef' },
  });
  assert.equal(keyed.gatewayWarnings, undefined);
  assert.deepEqual(keyed.warnings, []);
  const fromObject = configFromObject(
    {
      providers: { mimo: { type: 'openai', base_url: 'https://api.example.com/v1' } },
      main: { provider: 'mimo', model: 'm1' },
      gateway: { listen: '127.0.0.1:4141' },
    },
    { env: {}, dotenv: false },
  );
  assert.deepEqual(fromObject.warnings, []);
  assert.match(fromObject.gatewayWarnings?.[0] ?? '', /^gateway\.admin_key is not set/);
});

test('api_keys entries with unset variables drop out; origins still point at the written entry', () => {
  const yaml =
    'providers:\n  ds:\n    type: openai\n    base_url: https://api.deepseek.com/v1\n    api_keys:\n      - ${K1}\n      - ${K2}\n      - literal-key-three\n';
  const d = dir({ 'switchyard.yaml': yaml, '.env': 'K2=from-dotenv-two\n' });
  const loaded = loadConfig({ cwd: d, env: {} });
  assert.deepEqual(loaded.config.providers['ds']?.api_keys, ['from-dotenv-two', 'literal-key-three']);
  assert.equal(loaded.unresolved?.get('providers.ds.api_keys[0]'), 'K1');
  assert.deepEqual(loaded.origins.get('providers.ds.api_keys[0]'), {
    kind: 'dotenv',
    name: 'K2',
    dotenvFile: join(d, '.env'),
    file: join(d, 'switchyard.yaml'),
    line: 7,
    col: 9,
  });
  assert.deepEqual(loaded.origins.get('providers.ds.api_keys[1]'), {
    kind: 'file',
    file: join(d, 'switchyard.yaml'),
    line: 8,
    col: 9,
  });
});

test('origins: every leaf of the resolved config, defaults included', () => {
  const d = dir({ 'switchyard.yaml': MINIMAL + 'retry:\n  max_retries: 5\n' });
  const loaded = loadConfig({ cwd: d, env: {} });
  const file = join(d, 'switchyard.yaml');
  assert.deepEqual(loaded.origins.get('retry.max_retries'), { kind: 'file', file, line: 5, col: 16 });
  assert.deepEqual(loaded.origins.get('main.model'), { kind: 'file', file, line: 3, col: 32 });
  assert.deepEqual(loaded.origins.get('retry.auth_retries'), { kind: 'default' });
  assert.deepEqual(loaded.origins.get('providers.mimo.timeout'), { kind: 'default' });
  assert.deepEqual(loaded.origins.get('auxiliary.compression.threshold'), { kind: 'default' });
  assert.deepEqual(loaded.origins.get('providers.mimo.headers'), { kind: 'default' });
  for (const key of ['gateway.listen', 'credentials.strategy', 'cooldowns.rejected', 'fallback'])
    assert.ok(loaded.origins.has(key), key);
});

test('origins through YAML anchors, aliases and merge keys point at where the value was written', () => {
  const yaml = [
    'providers:',
    '  a: &common',
    '    type: openai',
    '    base_url: https://a.example.com/v1',
    '    timeout: 20s',
    '    headers: &h { x-team: blue }',
    '  b:',
    '    <<: *common',
    '    base_url: https://b.example.com/v1',
    '  c:',
    '    <<: [*common]',
    '    headers: *h',
    'main: { provider: a, model: m1 }',
    '',
  ].join('\n');
  const d = dir({ 'switchyard.yaml': yaml });
  const loaded = loadConfig({ cwd: d, env: {} });
  const file = join(d, 'switchyard.yaml');
  const line = (key: string): number | undefined => {
    const o = loaded.origins.get(key);
    return o?.kind === 'file' ? o.line : undefined;
  };
  assert.equal(line('providers.b.timeout'), 5, 'merged from a');
  assert.equal(line('providers.b.type'), 3, 'merged from a');
  assert.equal(line('providers.b.base_url'), 9, 'written in b overrides the merge');
  assert.equal(line('providers.c.timeout'), 5, 'merged from a sequence');
  assert.equal(line('providers.c.headers.x-team'), 6, 'through an alias');
  assert.equal(loaded.config.providers['b']?.timeout, 20_000);
  assert.deepEqual(loaded.origins.get('providers.b.timeout'), { kind: 'file', file, line: 5, col: 14 });
});

test('custom auxiliary tasks are accepted; one that looks like a typo of a built-in is warned about', () => {
  const d = dir({
    'switchyard.yaml':
      MINIMAL + 'auxiliary:\n  summarise: { provider: mimo, model: m2 }\n  title_genration: { provider: none }\n',
  });
  const loaded = loadConfig({ cwd: d, env: {} });
  assert.equal(loaded.config.auxiliary['summarise']?.model, 'm2');
  assert.match(loaded.warnings.join('\n'), /auxiliary\.title_genration .*did you mean `title_generation`/);
});

test('errors are located UserErrors listing every problem; the environment is a snapshot', () => {
  const d = dir({
    'switchyard.yaml': 'providers:\n  mimo: { type: openai, base_url: "${URL}" }\nretry: { max_retries: -1 }\n',
  });
  const e = userError(() => loadConfig({ cwd: d, env: {} }));
  assert.equal(e.exitCode, 2);
  const text = [e.message, ...e.details].join('\n');
  assert.match(text, /switchyard\.yaml:2:\d+: providers\.mimo\.base_url: \$\{URL\} is not set/);
  assert.match(text, /switchyard\.yaml:3:\d+: retry\.max_retries/);
  const env: Record<string, string | undefined> = { URL: 'https://a.example' };
  const ok = loadConfig({ cwd: d, env: env, configPath: ws.write(join('snap', 'switchyard.yaml'), MINIMAL) });
  env['URL'] = 'changed';
  assert.equal(ok.env['URL'], 'https://a.example');
});

test('a key written over several lines in .env is named as unsendable (not a network fault later), and its lines are not "not NAME=value"', () => {
  const ws = tempWorkspace();
  try {
    ws.write(
      'switchyard.yaml',
      'providers:\n  ml: { type: openai, base_url: "http://127.0.0.1:9/v1" }\n  cfg: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: "${CFG_KEY}" }\n',
    );
    ws.write(
      '.env',
      'ML_API_KEY="sk-mlml-line1\nline2-aaaa"\nCFG_KEY="sk-cfg-one\ntwo"\nCERT="-----BEGIN\nabc\n-----END"\nOTHER=fine\n',
    );
    const loaded = loadConfig({ cwd: ws.dir, env: {} });
    assert.equal(loaded.dotenv['OTHER'], 'fine');
    assert.deepEqual(
      loaded.warnings.filter((w) => w.includes('.env:')),
      [],
      'a value over several lines is one assignment',
    );
    const unsendable = loaded.warnings.filter((w) => w.includes('cannot carry'));
    assert.deepEqual(unsendable, [
      'providers.ml: the key from .env ML_API_KEY contains a line break (a quoted value written over several lines?), which an HTTP header cannot carry; it is not used — write the key on one line',
      'providers.cfg: the key from providers.cfg.api_key (.env CFG_KEY) contains a line break (a quoted value written over several lines?), which an HTTP header cannot carry; it is not used — write the key on one line',
    ]);
    assert.ok(
      !loaded.warnings.some((w) => w.includes('sk-mlml') || w.includes('line2')),
      'the value itself is never quoted',
    );
    const noStored = { listStoredCredentials: () => [] };
    assert.deepEqual(resolveCredentials(loaded, noStored, 'ml'), [], 'never sent');
    assert.deepEqual(resolveCredentials(loaded, noStored, 'cfg'), []);
  } finally {
    ws.cleanup();
  }
});

test('.env lines that are not NAME=value, or open a quote they never close, are warned about with file:line and ignored', () => {
  const ws = tempWorkspace();
  try {
    ws.write('switchyard.yaml', 'providers: {}\n');
    ws.write('.env', '# keys\nGOOD=sk-good-value-1234\ngarbage line\nBAD="abc\nSINGLE=\'x\n');
    const loaded = loadConfig({ cwd: ws.dir, env: {} });
    assert.equal(loaded.dotenv['GOOD'], 'sk-good-value-1234');
    const dotenvWarnings = loaded.warnings.filter((w) => w.includes('.env:'));
    assert.equal(dotenvWarnings.length, 3, dotenvWarnings.join('\n'));
    assert.match(dotenvWarnings[0]!, /\.env:3: ignored: not a NAME=value line/);
    assert.match(
      dotenvWarnings[1]!,
      /\.env:4: ignored: the value of BAD opens a " quote that is never closed \(add the closing "\)$/,
    );
    assert.match(dotenvWarnings[2]!, /\.env:5: ignored: the value of SINGLE opens a ' quote that is never closed/);
    // Ignored as the warning says, not read with the quote in it.
    assert.deepEqual(Object.keys(loaded.dotenv), ['GOOD']);
  } finally {
    ws.cleanup();
  }
});

test('a key in .env whose quote is never closed is not sent (not as "sk-…, quote and all), and lines after it are read as written', () => {
  const ws = tempWorkspace();
  try {
    ws.write(
      'switchyard.yaml',
      'providers:\n  ds: { type: openai, base_url: "http://127.0.0.1:9/v1" }\n  ml: { type: openai, base_url: "http://127.0.0.1:9/v1" }\n',
    );
    // parseEnv would take the single quote as closed on the next line, swallowing ML_API_KEY into DS's value.
    ws.write('.env', "DS_API_KEY=\"sk-unterminated\r\nML_API_KEY='sk-ml-closed-0001'\r\nOTHER='x\nAFTER='y'\n");
    const loaded = loadConfig({ cwd: ws.dir, env: {} });
    assert.deepEqual(loaded.dotenv, { ML_API_KEY: 'sk-ml-closed-0001', AFTER: 'y' });
    const noStored = { listStoredCredentials: () => [] };
    assert.deepEqual(resolveCredentials(loaded, noStored, 'ds'), [], 'no key from the broken line');
    assert.deepEqual(
      resolveCredentials(loaded, noStored, 'ml').map((c) => c.secret),
      ['sk-ml-closed-0001'],
    );
    assert.deepEqual(
      loaded.warnings.filter((w) => w.includes('.env:')).map((w) => w.replace(/^.*\.env:/, '.env:')),
      [
        '.env:1: ignored: the value of DS_API_KEY opens a " quote that is never closed (add the closing ")',
        ".env:3: ignored: the value of OTHER opens a ' quote that is never closed (add the closing ')",
      ],
    );
    assert.ok(!loaded.warnings.some((w) => w.includes('sk-unterminated')), 'the value itself is never quoted');
  } finally {
    ws.cleanup();
  }
});

test('a value from ${VAR} that does not validate says which variable it came from, and the .env line', () => {
  const d = dir({
    'switchyard.yaml':
      'providers:\n  ds: { type: openai, base_url: "http://127.0.0.1:9/v1", timeout: "${TMO}" }\nmain: { provider: "${PROV}", model: m }\nretry: { base_delay: "${A}${B}", max_delay: 4s }\n',
    '.env': '# durations\nA=1\nTMO=abc\nB=x\n',
  });
  const e = userError(() => loadConfig({ cwd: d, env: { PROV: 'nope' } }));
  const dotenv = join(d, '.env');
  assert.deepEqual(
    e.details.map((l) => l.replace(/^.*?switchyard\.yaml:\d+:\d+: /, '')),
    [
      `providers.ds.timeout: expected a duration like 250ms, 30s, 5m or 1h, got "abc" (the value comes from \${TMO} in ${dotenv}:3)`,
      'main.provider: unknown provider `nope`; defined providers: ds (the value comes from ${PROV} in the environment)',
      `retry.base_delay: expected a duration like 250ms, 30s, 5m or 1h, got "1x" (the value comes from \${A} in ${dotenv}:2 and \${B} in ${dotenv}:4)`,
    ],
  );
  // A value written in the file is located by the file alone.
  const plain = userError(() =>
    loadConfig({ cwd: dir({ 'switchyard.yaml': 'retry: { base_delay: abc }\n' }), env: {} }),
  );
  assert.doesNotMatch(plain.message, /comes from/);
});

test('gateway.state takes a Redis Cluster or Sentinel URL with its password from ${VAR}, and a state_prefix', () => {
  const d = dir({
    'switchyard.yaml':
      MINIMAL +
      'gateway:\n  state: redis+cluster://:${REDIS_PASSWORD}@10.0.0.5:6379,10.0.0.6:6379\n  state_prefix: "{team-a}:"\n',
    '.env': 'REDIS_PASSWORD=hunter2\n',
  });
  const loaded = loadConfig({ configPath: join(d, 'switchyard.yaml'), env: {} });
  assert.equal(loaded.config.gateway.state, 'redis+cluster://:hunter2@10.0.0.5:6379,10.0.0.6:6379');
  assert.equal(loaded.config.gateway.state_prefix, '{team-a}:');
  const sentinel = configFromObject({
    providers: { mimo: { type: 'openai', base_url: 'https://api.example.com/v1' } },
    main: { provider: 'mimo', model: 'm1' },
    gateway: { state: 'rediss+sentinel://s1:26379,s2:26379/mymaster/1' },
  });
  assert.equal(sentinel.config.gateway.state, 'rediss+sentinel://s1:26379,s2:26379/mymaster/1');
  assert.equal(sentinel.config.gateway.state_prefix, undefined);
});
