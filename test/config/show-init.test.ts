// `config show` (resolved values, origins, masking) and `config init` through the real CLI.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { trustConfig } from '../../src/config/trust.ts';
import { runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const ws = tempWorkspace('switchyard-config-show-');
after(() => ws.cleanup());

// Planted secrets: none of these may ever be printed in full.
const LITERAL = 'sk-literal0000000000000000a1b2';
const FROM_ENV = 'sk-fromenv111111111111111c3d4';
const FROM_DOTENV = 'sk-dotenv2222222222222222e5f6';
const LIST_KEY = 'sk-listkey33333333333333339a8b';
const ADMIN = 'sy-admin444444444444444444z9y8';
const BEARER = 'tok-bearer5555555555555555q1w2';
// Header values of names no pattern recognises (AI gateways, API managers, a proxy's own): secrets all the same.
const CF = 'CFSECRET987654abcdefgh';
const APIM = 'apim0123456789abcdefgh';
const HELICONE = 'hel-HEADERSECRET-abcdef';
const SECRETS = [LITERAL, FROM_ENV, FROM_DOTENV, LIST_KEY, ADMIN, BEARER, CF, APIM, HELICONE, 'platform'];

const CONFIG = `providers:
  mimo:
    type: openai
    base_url: https://api.example.com/v1
    api_key: \${MIMO_API_KEY}
    headers:
      Authorization: Bearer ${BEARER}
      X-Team: platform
  deepseek:
    type: openai
    base_url: https://api.deepseek.com/v1
    api_keys: [ ${LIST_KEY}, "\${DS_KEY}" ]
  claude: { type: anthropic, base_url: https://api.anthropic.com, api_key: ${LITERAL}, headers: { cf-aig-authorization: "Bearer ${CF}", Ocp-Apim-Subscription-Key: ${APIM}, Helicone-Auth: "Bearer ${HELICONE}", anthropic-version: "2023-06-01" } }
main: { provider: mimo, model: mimo-v2.5-pro }
retry: { max_retries: 4, base_delay: 500ms }
gateway: { admin_key: "\${ADMIN_KEY}" }
`;

const dir = join(ws.dir, 'proj');
ws.write('proj/switchyard.yaml', CONFIG);
ws.write('proj/.env', `DS_KEY=${FROM_DOTENV}\n`);
const env = { HOME: ws.home, MIMO_API_KEY: FROM_ENV, ADMIN_KEY: ADMIN };
// The user's own project config: trusted to read their environment (src/config/local-env.ts).
trustConfig(join(dir, 'switchyard.yaml'), env);

test('show --explain gives every value with its origin, secrets masked', async () => {
  const r = await runCliInProcess(['config', 'show', '--explain'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const row = (key: string): string =>
    r.stdout.split('\n').find((l) => l.startsWith(`${key} `)) ?? assert.fail(`no row for ${key}:\n${r.stdout}`);
  assert.match(row('providers.mimo.type'), /openai\s+switchyard\.yaml:3$/);
  assert.match(row('providers.mimo.api_key'), /sk-…c3d4\s+env MIMO_API_KEY \(switchyard\.yaml:5\)$/);
  assert.match(row('providers.deepseek.api_keys[0]'), /sk-…9a8b\s+switchyard\.yaml:12$/);
  assert.match(row('providers.deepseek.api_keys[1]'), /sk-…e5f6\s+\.env DS_KEY \(switchyard\.yaml:12\)$/);
  assert.match(row('providers.claude.api_key'), /sk-…a1b2\s+switchyard\.yaml:13$/);
  assert.match(row('providers.mimo.headers.Authorization'), /…q1w2\s+switchyard\.yaml:7$/);
  // Every header value is masked but a few harmless settings (src/credentials/header-values.ts).
  assert.match(row('providers.mimo.headers.X-Team'), /…rm\s+switchyard\.yaml:8$/);
  assert.match(row('providers.claude.headers.cf-aig-authorization'), /…efgh\s+switchyard\.yaml:13$/);
  assert.match(row('providers.claude.headers.Ocp-Apim-Subscription-Key'), /…efgh\s+switchyard\.yaml:13$/);
  assert.match(row('providers.claude.headers.Helicone-Auth'), /…cdef\s+switchyard\.yaml:13$/);
  assert.match(row('providers.claude.headers.anthropic-version'), /2023-06-01\s+switchyard\.yaml:13$/);
  assert.match(row('gateway.admin_key'), /…z9y8\s+env ADMIN_KEY \(switchyard\.yaml:16\)$/);
  assert.match(row('retry.max_retries'), /4\s+switchyard\.yaml:15$/);
  assert.match(row('retry.base_delay'), /500ms\s+switchyard\.yaml:15$/);
  assert.match(row('retry.max_delay'), /4s\s+default$/);
  assert.match(row('cooldowns.quota'), /1h\s+default$/);
  assert.match(row('auxiliary.title_generation.provider'), /auto\s+default$/);
  // key_env is no schema default but derived from the provider's name: shown as a default all the same.
  assert.match(row('providers.mimo.key_env'), /MIMO_API_KEY\s+default$/);
  assert.match(row('providers.deepseek.key_env'), /DEEPSEEK_API_KEY\s+default$/);
  assertNoSecrets(SECRETS);
});

test('show --explain --json carries structured origins', async () => {
  const r = await runCliInProcess(['config', 'show', '--explain', '--json'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    path: string;
    values: { path: string; value: unknown; origin: { kind: string; name?: string; line?: number } }[];
  };
  assert.equal(out.path, join(dir, 'switchyard.yaml'));
  const byPath = new Map(out.values.map((v) => [v.path, v]));
  assert.deepEqual(byPath.get('providers.mimo.api_key')?.origin.kind, 'env');
  assert.equal(byPath.get('providers.deepseek.api_keys[1]')?.origin.kind, 'dotenv');
  assert.equal(byPath.get('retry.max_delay')?.value, 4000);
  assert.equal(byPath.get('retry.max_delay')?.origin.kind, 'default');
  assert.deepEqual(byPath.get('providers.claude.key_env'), {
    path: 'providers.claude.key_env',
    value: 'CLAUDE_API_KEY',
    origin: { kind: 'default' },
    from: 'default',
  });
  assertNoSecrets(SECRETS);
});

test('show prints the resolved config as YAML, and --json as JSON, both masked', async () => {
  const yaml = await runCliInProcess(['config', 'show'], { cwd: dir, env });
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /api_key: sk-…c3d4/);
  assert.match(yaml.stdout, /base_delay: 500ms/);
  const json = await runCliInProcess(['--config', join(dir, 'switchyard.yaml'), 'config', 'show', '--json'], { env });
  assert.equal(json.code, 0, json.stderr);
  const config = JSON.parse(json.stdout) as {
    providers: Record<string, { api_key?: string; api_keys?: string[]; headers?: Record<string, string> }>;
    retry: { base_delay: number };
  };
  assert.equal(config.providers['claude']?.api_key, 'sk-…a1b2');
  assert.deepEqual(config.providers['deepseek']?.api_keys, ['sk-…9a8b', 'sk-…e5f6']);
  assert.deepEqual(config.providers['claude']?.headers, {
    'cf-aig-authorization': '…efgh',
    'Ocp-Apim-Subscription-Key': '…efgh',
    'Helicone-Auth': '…cdef',
    'anthropic-version': '2023-06-01',
  });
  assert.equal(config.retry.base_delay, 500);
  assertNoSecrets(SECRETS);
});

test('show with no config file at all shows the defaults', async () => {
  const empty = join(ws.dir, 'empty');
  ws.write('empty/.keep', '');
  const r = await runCliInProcess(['config', 'show', '--explain'], { cwd: empty, env: { HOME: ws.home } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no config file found/);
  assert.match(r.stdout, /retry\.max_retries\s+2\s+default/);
});

test('check reports ok with a summary, and warnings', async () => {
  const r = await runCliInProcess(['config', 'check'], { cwd: dir, env: { HOME: ws.home, MIMO_API_KEY: FROM_ENV } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^ok: ${join(dir, 'switchyard.yaml')} \\(3 providers, main mimo/mimo-v2.5-pro\\)`));
  assert.match(r.stdout, /warning: gateway\.admin_key: \$\{ADMIN_KEY\} is not set/);
  const none = await runCliInProcess(['config', 'check'], { cwd: ws.home, env: { HOME: ws.home } });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no config file found/);
  assertNoSecrets(SECRETS);
});

test('init writes a commented example that passes check, and never overwrites', async () => {
  const where = join(ws.dir, 'fresh');
  ws.write('fresh/.keep', '');
  const r = await runCliInProcess(['config', 'init'], { cwd: where, env: { HOME: ws.home } });
  assert.equal(r.code, 0, r.stderr);
  const file = join(where, 'switchyard.yaml');
  const text = readFileSync(file, 'utf8');
  for (const section of [
    'providers:',
    'main:',
    'fallback:',
    'title_generation:',
    'compression:',
    'retry:',
    'credentials:',
    'cooldowns:',
    'gateway:',
    '${MIMO_API_KEY}',
  ]) {
    assert.ok(text.includes(section), `example lacks ${section}`);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const check = await runCliInProcess(['config', 'check'], { cwd: where, env: { HOME: ws.home } });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /^ok: .*\(3 providers, main mimo\/mimo-v2\.5-pro\)/);

  const again = await runCliInProcess(['config', 'init'], { cwd: where, env: { HOME: ws.home } });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists; not overwriting/);
  assert.equal(readFileSync(file, 'utf8'), text);

  const nested = await runCliInProcess(['config', 'init', '--path', 'sub/dir/my.yaml'], {
    cwd: where,
    env: { HOME: ws.home },
  });
  assert.equal(nested.code, 0, nested.stderr);
  const checkNested = await runCliInProcess(['config', 'check', '--config', 'sub/dir/my.yaml'], {
    cwd: where,
    env: { HOME: ws.home },
  });
  assert.equal(checkNested.code, 0, checkNested.stderr);
});
