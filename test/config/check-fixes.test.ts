// `config check`, `show` and `init` through the real CLI, for problems testers found: unbounded durations, URLs
// with secrets, encodings, duplicate keys hiding other problems, empty admin keys, and quiet empty configs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trustConfig } from '../../src/config/trust.ts';
import { runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { explainFailure } from '../../src/errors/messages.ts';
import { redactUrl } from '../../src/config/mask.ts';

const ws = tempWorkspace('switchyard-config-fixes-');
after(() => ws.cleanup());

let n = 0;
/** A config (and optional .env) in its own directory; returns the directory. */
function project(yaml: string, dotenv?: string): string {
  const dir = join(ws.dir, `p${n++}`);
  ws.write(join(dir.slice(ws.dir.length + 1), 'switchyard.yaml'), yaml);
  if (dotenv !== undefined) ws.write(join(dir.slice(ws.dir.length + 1), '.env'), dotenv);
  return dir;
}
const env = { HOME: ws.home, SWITCHYARD_HOME: ws.home };
const check = (cwd: string, args: string[] = [], extra: Record<string, string> = {}) =>
  runCliInProcess(['config', 'check', ...args], { cwd, env: { ...env, ...extra } });
const PROVIDER =
  'providers:\n  p: { type: openai, base_url: https://api.example.com/v1, api_key: sk-literal000000000000abcd }\nmain: { provider: p, model: m }\n';

test('durations are bounded: a huge cooldown, a zero timeout, a day-long retry delay are located errors', async () => {
  const dir = project(
    'providers:\n  p:\n    type: openai\n    base_url: https://api.example.com/v1\n    timeout: 0\nmain: { provider: p, model: m }\nretry: { max_wait: 2h }\ncooldowns: {quota: 999999999999999999999, rejected: 8760h}\nauxiliary:\n  compression: { timeout: 25h }\n',
  );
  const r = await check(dir);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /switchyard\.yaml:5:14: providers\.p\.timeout: must be longer than 0/);
  assert.match(r.stderr, /switchyard\.yaml:7:20: retry\.max_wait: must be at most 1h, got "2h"/);
  assert.match(r.stderr, /switchyard\.yaml:8:20: cooldowns\.quota: must be at most 8760h \(a year\), got 1e\+21/);
  assert.match(
    r.stderr,
    /switchyard\.yaml:10:27: auxiliary\.compression\.timeout: must be at most 24h \(a day\), got "25h"/,
  );
  assert.doesNotMatch(r.stderr, /rejected/, '8760h itself is allowed');
});

test('base_url must be http(s) and gateway.listen a HOST:PORT with a real port', async () => {
  const dir = project(
    'providers:\n  p: { type: openai, base_url: "ftp://x" }\n  q: { type: openai, base_url: "not a url" }\nmain: { provider: p, model: m }\ngateway: { listen: "127.0.0.1:99999" }\n',
  );
  const r = await check(dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /:2:32: providers\.p\.base_url: expected a URL starting with http:\/\/ or https:\/\/, got "ftp:\/\/x"/,
  );
  assert.match(
    r.stderr,
    /:3:32: providers\.q\.base_url: expected a URL like https:\/\/api\.example\.com\/v1, got "not a url"/,
  );
  assert.match(
    r.stderr,
    /:5:20: gateway\.listen: port 99999 is out of range \(0–65535; 0 picks a free one\), in "127\.0\.0\.1:99999"/,
  );
  assert.equal((await check(project(PROVIDER + 'gateway: { listen: "[::1]:0" }\n'))).code, 0);
  // Looks like an address but is not one: it would be looked up as a host name and fail only when the gateway starts.
  const octet = await check(project(PROVIDER + 'gateway: { listen: "300.1.1.1:4141" }\n'));
  assert.equal(octet.code, 2);
  assert.match(
    octet.stderr,
    /gateway\.listen: 300\.1\.1\.1 is not an IPv4 address \(each of its four numbers is 0–255\)/,
  );
});

test("a base_url's password and query values are masked in show, --explain, --json, errors and failure messages", async () => {
  const url = 'http://user:PASSWORD9@host.example/v1?key=QUERYSECRET&team=QUERYTEAM';
  const dir = project(
    `providers:\n  p: { type: openai, base_url: "${url}", api_key: sk-literal000000000000abcd }\nmain: { provider: p, model: m }\n`,
  );
  const outputs = await Promise.all([
    runCliInProcess(['config', 'show'], { cwd: dir, env }),
    runCliInProcess(['config', 'show', '--explain'], { cwd: dir, env }),
    runCliInProcess(['config', 'show', '--json'], { cwd: dir, env }),
    runCliInProcess(['config', 'show', '--explain', '--json'], { cwd: dir, env }),
  ]);
  for (const r of outputs) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /http:\/\/user:\*\*\*@host\.example\/v1\?key=\*\*\*&team=\*\*\*/);
  }
  const bad = await check(
    project(`providers:\n  p: { type: anthropic, base_url: "ftp://u:PASSWORD9@h/?key=QUERYSECRET" }\n`),
  );
  assert.match(bad.stderr, /got "ftp:\/\/u:\*\*\*@h\/\?key=\*\*\*"/);
  assertNoSecrets(['PASSWORD9', 'QUERYSECRET', 'QUERYTEAM']);
  const message = explainFailure({ kind: 'connection', provider: 'p', baseUrl: url });
  assert.match(message, /could not reach p at http:\/\/user:\*\*\*@host\.example\/v1\?key=\*\*\*&team=\*\*\*/);
  assert.equal(redactUrl('https://api.example.com/v1'), 'https://api.example.com/v1');
  assert.equal(redactUrl('https://tok@h/v1?flag&a=1#frag'), 'https://***@h/v1?***&a=***#frag');
  // A date is an API version, shown as it is; any other value is masked whatever its name.
  assert.equal(
    redactUrl('https://h/v1?api-version=2024-06-01-preview&x=&api-version=KEY123'),
    'https://h/v1?api-version=2024-06-01-preview&x=&api-version=***',
  );
});

test('a key_env variable set differently in the environment and .env is warned about, masked', async () => {
  const dir = project(
    'providers:\n  mimo: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: mimo, model: m }\n',
    'MIMO_API_KEY=sk-dotenv000000000000wxyz\n',
  );
  trustConfig(join(dir, 'switchyard.yaml'), env); // the user's own (src/config/local-env.ts)
  const r = await check(dir, [], { MIMO_API_KEY: 'sk-environ00000000000abcd' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /warning: MIMO_API_KEY is set in the environment \(sk-…abcd\) and differently in .*\.env \(sk-…wxyz\); the environment's value is tried first, the \.env's after it/,
  );
  assert.equal(r.stdout.match(/MIMO_API_KEY is set/g)?.length, 1);
  assertNoSecrets(['sk-dotenv000000000000wxyz', 'sk-environ00000000000abcd']);
});

test('a duplicate key no longer hides the other problems', async () => {
  const dir = project(
    'providers:\n  p:\n    type: opnai\n    base_url: https://api.example.com/v1\nretry:\n  max_retries: 1\n  max_retries: 2\n',
  );
  const r = await check(dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /2 problems/);
  assert.match(r.stderr, /:3:11: providers\.p\.type: .*did you mean `openai`/);
  assert.match(r.stderr, /:7:3: duplicate key `max_retries`/);
});

test('a config that is not UTF-8 is refused with its path; a .env value with invalid UTF-8 is warned about by line', async () => {
  const dir = project('');
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PROVIDER, 'utf16le')]));
  const r = await check(dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(
      `config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not UTF-8 text: it starts with a UTF-16 \\(little-endian\\) byte-order mark`,
    ),
  );
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from('providers:\n  p: { type: openai, base_url: https://x.example/v1 }\n# caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]),
  );
  assert.match((await check(dir)).stderr, /invalid UTF-8 bytes at line 3/);

  const good = project(PROVIDER);
  writeFileSync(
    join(good, '.env'),
    Buffer.concat([Buffer.from('# keys\nP_API_KEY=sk-'), Buffer.from([0xff, 0x41]), Buffer.from('bc\n')]),
  );
  const w = await check(good);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /warning: .*\.env:2: not valid UTF-8/);
});

test('an empty admin key counts as unset, with the same warning', async () => {
  for (const [yaml, dotenv] of [
    ['gateway: { admin_key: "${SWITCHYARD_ADMIN_KEY}" }\n', 'SWITCHYARD_ADMIN_KEY=\n'],
    ['gateway: { admin_key: "" }\n', undefined],
  ] as const) {
    const dir = project(PROVIDER + yaml, dotenv);
    const r = await check(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /warning: gateway\.admin_key is empty.*counts as unset, so the gateway's admin endpoints are off and \/metrics is served without a key/,
    );
    const shown = await runCliInProcess(['config', 'show', '--json'], { cwd: dir, env });
    assert.equal((JSON.parse(shown.stdout) as { gateway: Record<string, unknown> }).gateway['admin_key'], undefined);
  }
});

test('no admin key: said for a config with a gateway: section, not for one without (the gateway says it at start)', async () => {
  const quiet = await check(project(PROVIDER));
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stdout, /admin_key/);
  const r = await check(project(PROVIDER + 'gateway: { listen: "127.0.0.1:4141" }\n'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^warning: gateway\.admin_key is not set, so the gateway's admin endpoints are off and \/metrics is served without a key$/m,
  );
  const keyed = await check(project(PROVIDER + 'gateway: { admin_key: "${SWITCHYARD_ADMIN_KEY}" }\n'), [], {
    SWITCHYARD_ADMIN_KEY: 'adm-0123456789',
  });
  assert.doesNotMatch(keyed.stdout, /admin_key/);
});

test('a header value with a line break is refused at load, located, naming the variable it came from and not showing it', async () => {
  const dir = project(
    'providers:\n  p:\n    type: openai\n    base_url: https://p.example.com/v1\n    headers:\n      Helicone-Auth: "Bearer ${HELICONE}"\nmain: { provider: p, model: m }\n',
    'HELICONE="hel-SECRETHEADER-0042\nX-Injected: 1"\n',
  );
  const file = join(dir, 'switchyard.yaml');
  const checked = await check(dir);
  const said = `invalid config: ${file}:6:22: providers.p.headers.Helicone-Auth: the value contains a line break (a quoted value written over several lines?), which an HTTP header cannot carry: every call would fail; write the value on one line, in plain characters (the value comes from \${HELICONE} in ${join(dir, '.env')}:1)`;
  assert.deepEqual([checked.code, checked.stderr], [2, `switchyard: ${said}\n`]);
  const gateway = await runCliInProcess(['gateway', '--listen', '127.0.0.1:0', '--config', file], { cwd: dir, env });
  assert.deepEqual([gateway.code, gateway.stderr], [2, `switchyard: ${said}\n`]);
  assertNoSecrets(['SECRETHEADER']);
});

test('an empty file is refused, by config check and by a gateway starting on it', async () => {
  const dir = project('');
  const file = join(dir, 'switchyard.yaml');
  const said = `invalid config: ${file}:1:1: the file is empty (nothing but blank lines or comments): write the config into it (\`switchyard config init\` writes a starting one)\n`;
  const checked = await check(dir);
  assert.deepEqual([checked.code, checked.stderr], [2, `switchyard: ${said}`]);
  const gateway = await runCliInProcess(['gateway', '--listen', '127.0.0.1:0', '--config', file], { cwd: dir, env });
  assert.deepEqual([gateway.code, gateway.stderr], [2, `switchyard: ${said}`]);
});

test('an empty mapping and the init template pass with warnings: no providers, no main route, providers without keys', async () => {
  const empty = await check(project('{}\n'));
  assert.equal(empty.code, 0);
  assert.match(empty.stdout, /warning: no providers are defined/);
  assert.match(empty.stdout, /warning: no `main:` route is set/);

  const dir = join(ws.dir, 'init');
  assert.equal((await runCliInProcess(['config', 'init', '--path', join(dir, 'switchyard.yaml')], { env })).code, 0);
  const r = await check(dir);
  assert.equal(r.code, 0, r.stderr);
  // mimo's api_key and deepseek's api_keys read ${VAR}s, the first its provider's own variable: each slot is named
  // with its variable, which "env VAR" does not repeat; deepseek, with no api_key, is not told about one.
  const unset = 'which is not set (not in the environment, and there is no .env)';
  assert.ok(
    r.stdout.includes(
      `warning: providers.mimo: no API key found (looked in providers.mimo.api_key is \${MIMO_API_KEY}, ${unset}, no .env at `,
    ),
    r.stdout,
  );
  assert.match(
    r.stdout,
    /warning: providers\.claude: no API key found \(looked in providers\.claude\.api_key, env ANTHROPIC_API_KEY, no \.env at \S+\/init\/\.env\)/,
  );
  const deepseek = `warning: providers.deepseek: no API key found (looked in providers.deepseek.api_keys[0] is \${DEEPSEEK_API_KEY}, ${unset}, providers.deepseek.api_keys[1] is \${DEEPSEEK_API_KEY_2}, ${unset}, no .env at `;
  assert.ok(r.stdout.includes(deepseek), r.stdout);
  assert.doesNotMatch(r.stdout, /providers\.deepseek\.api_key[^s]|providers\.deepseek:.*env DEEPSEEK_API_KEY/);
  const keyed = await check(dir, [], { MIMO_API_KEY: 'sk-a', DEEPSEEK_API_KEY: 'sk-b', ANTHROPIC_API_KEY: 'sk-c' });
  assert.doesNotMatch(keyed.stdout, /no API key found/);
});

test('messages name where a path came from: a directory argument, an empty --path, a directory --path', async () => {
  const asArg = await runCliInProcess(['config', 'check', ws.home], { env });
  assert.equal(asArg.code, 2);
  assert.match(asArg.stderr, /config .* \(from the command line\) is a directory, not a YAML file/);
  const empty = await runCliInProcess(['config', 'init', '--path', ''], { cwd: ws.dir, env });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /config init --path: expected a file name, got an empty string/);
  const dir = await runCliInProcess(['config', 'init', '--path', ws.home], { cwd: ws.dir, env });
  assert.equal(dir.code, 2);
  assert.match(dir.stderr, /is a directory, not a file/);
});

test('config show prints durations in their shortest exact unit, as docs/config.md says', async () => {
  const r = await runCliInProcess(['config', 'show'], { cwd: project(PROVIDER + 'retry: { max_wait: 90s }\n'), env });
  assert.match(r.stdout, /rate_limited: 1m\n/);
  assert.match(r.stdout, /max_wait: 90s\n/);
  assert.match(r.stdout, /base_delay: 250ms\n/);
});

test('a provider or model named __proto__ or constructor is refused by name, not dropped without a word', async () => {
  const proto = await check(
    project(
      'providers:\n  __proto__: { type: openai, base_url: https://api.example.com/v1 }\n  p: { type: openai, base_url: https://api.example.com/v1 }\nmain: { provider: p, model: m }\n',
    ),
  );
  assert.equal(proto.code, 2, proto.stdout);
  assert.match(
    proto.stderr,
    /switchyard\.yaml:2:3: providers\.__proto__: invalid name `__proto__`: is a reserved name/,
  );
  const ctor = await check(
    project(
      'providers:\n  p: { type: openai, base_url: https://api.example.com/v1, models: { constructor: {} } }\nmain: { provider: p, model: m }\n',
    ),
  );
  assert.equal(ctor.code, 2, ctor.stdout);
  assert.match(ctor.stderr, /providers\.p\.models\.constructor: invalid name `constructor`: is a reserved name/);
});

test('a .env other users can read is named with the chmod that fixes it; one only its owner reads is not', async () => {
  const dir = project(PROVIDER, 'P_API_KEY=sk-dotenv-readable-0000abcd\n');
  const dotenv = join(dir, '.env');
  chmodSync(dotenv, 0o644);
  const open = await check(dir);
  assert.equal(open.code, 0, open.stderr);
  assert.ok(
    open.stdout.includes(
      `warning: ${dotenv} can be read by other users of this machine (mode 0644) and it holds keys: chmod 600 ${dotenv}`,
    ),
    open.stdout,
  );
  assertNoSecrets(['sk-dotenv-readable-0000abcd'], open.stdout + open.stderr);
  chmodSync(dotenv, 0o600);
  const closed = await check(dir);
  assert.equal(closed.code, 0, closed.stderr);
  assert.doesNotMatch(closed.stdout, /can be read by other users/);
});

test('a .env that sets a variable twice is warned about, naming both lines: the last one is used, as systemd reads it', async () => {
  const dir = project(
    'providers:\n  p: { type: openai, base_url: https://api.example.com/v1, api_key: "${P_KEY}" }\nmain: { provider: p, model: m }\n',
    'P_KEY=sk-first-value-000000001\nOTHER=x\nP_KEY=sk-second-value-00000002\nOTHER=x\n',
  );
  const r = await check(dir);
  assert.equal(r.code, 0, r.stderr);
  const dotenv = join(dir, '.env');
  assert.ok(
    r.stdout.includes(
      `warning: ${dotenv}:3: P_KEY is set again (first at line 1, with a different value); the last one is used, here as under systemd — remove the line that is not meant\n`,
    ),
    r.stdout,
  );
  assert.ok(
    r.stdout.includes(`warning: ${dotenv}:4: OTHER is set again (first at line 2, with the same value)`),
    r.stdout,
  );
  const show = await runCliInProcess(['config', 'show', '--explain'], { cwd: dir, env });
  assert.match(show.stdout, /providers\.p\.api_key\s+sk-…0002\s+\.env P_KEY/, 'the last value is the one used');
  assertNoSecrets(['sk-first-value-000000001', 'sk-second-value-00000002']);
});
