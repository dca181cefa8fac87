// `gateway.sso`: a working block loads with its defaults; `config check` refuses, located and with what to write, the
// mistakes that would only show at the first sign-in; and `config show` masks the client's secret.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { trustConfig } from '../../src/config/trust.ts';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { userError } from '../helpers/errors.ts';

const ws = tempWorkspace('switchyard-config-sso-');
after(() => ws.cleanup());

const BASE = `providers:
  oai: { type: openai, base_url: https://api.openai.com/v1 }
main: { provider: oai, model: gpt-5-mini }
`;

const SECRET = 'sso-secret-3c9d1e7a0b5f';

let n = 0;
function load(yaml: string) {
  const file = join(`c${n++}`, 'switchyard.yaml');
  ws.write(file, yaml);
  return loadConfig({ configPath: join(ws.dir, file), env: { HOME: ws.home, SSO_SECRET: SECRET }, cwd: ws.dir });
}

test('a gateway.sso block loads, with its scopes, claims and session length defaulted', () => {
  const loaded = load(`${BASE}gateway:
  sso:
    issuer: https://login.example.com/realms/eng
    client_id: switchyard
    client_secret: \${SSO_SECRET}
    redirect_url: https://gateway.example.com/ui/sso/callback
    roles: { viewer: [engineering], operator: [oncall] }
`);
  assert.deepEqual(loaded.config.gateway.sso, {
    issuer: 'https://login.example.com/realms/eng',
    client_id: 'switchyard',
    client_secret: SECRET,
    redirect_url: 'https://gateway.example.com/ui/sso/callback',
    scopes: ['openid', 'email', 'profile'],
    role_claim: 'groups',
    roles: { viewer: ['engineering'], operator: ['oncall'] },
    name_claim: 'email',
    session: 12 * 3_600_000,
  });
});

test('config check refuses an SSO block that could not sign anyone in, saying where and what to write', () => {
  const err = userError(() =>
    load(`${BASE}gateway:
  sso:
    issuer: http://login.example.com
    client_id: switchyard
    redirect_url: https://gateway.example.com/ui/callback
    scopes: [email]
    roles: {}
`),
  );
  const text = [err.message, ...(err.details ?? [])].join('\n');
  assert.match(text, /gateway\.sso\.issuer: the issuer: expected an https:\/\/ URL \(http:\/\/ only on loopback\)/);
  assert.match(text, /gateway\.sso\.redirect_url: the redirect URL must end in \/ui\/sso\/callback/);
  assert.match(text, /gateway\.sso\.scopes: scopes must include openid/);
  assert.match(text, /gateway\.sso\.roles: map at least one role, e\.g\. roles: \{ viewer: \[engineering\]/);
  assert.match(text, /switchyard\.yaml:\d+:\d+/, 'located in the file');
  const unknownRole = userError(() =>
    load(`${BASE}gateway:
  sso:
    issuer: http://127.0.0.1:9000
    client_id: switchyard
    redirect_url: http://127.0.0.1:4141/ui/sso/callback
    roles: { owner: [platform] }
`),
  );
  assert.match([unknownRole.message, ...(unknownRole.details ?? [])].join('\n'), /gateway\.sso\.roles.*owner/);
});

test('config show masks the SSO client secret', async () => {
  const dir = join(ws.dir, 'show');
  ws.write(
    'show/switchyard.yaml',
    `${BASE}gateway:
  sso:
    issuer: https://login.example.com
    client_id: switchyard
    client_secret: \${SSO_SECRET}
    redirect_url: https://gateway.example.com/ui/sso/callback
    roles: { admin: [platform] }
`,
  );
  const env = { HOME: ws.home, SSO_SECRET: SECRET };
  trustConfig(join(dir, 'switchyard.yaml'), env);
  const r = await runCliInProcess(['config', 'show'], { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /client_secret/);
  assert.ok(!r.stdout.includes(SECRET), 'the secret is masked');
});

test('config check warns when nothing would sign the sessions of an SSO-only dashboard', async () => {
  const dir = join(ws.dir, 'public');
  ws.write(
    'public/switchyard.yaml',
    `${BASE}gateway:
  sso:
    issuer: https://login.example.com
    client_id: switchyard
    redirect_url: https://gateway.example.com/ui/sso/callback
    roles: { viewer: [engineering] }
`,
  );
  const env = { HOME: ws.home };
  trustConfig(join(dir, 'switchyard.yaml'), env);
  const r = await runCliInProcess(['config', 'check'], { cwd: dir, env });
  assert.match(
    r.stdout + r.stderr,
    /gateway\.sso has no client_secret and gateway\.admin_key is not set: nothing signs the dashboard's sessions/,
  );
});
