// What `auth explain` says an AWS profile holds before anything is minted — an assumed role and the keys that assume
// it, static keys by their access key id, SSO, a credential process, a profile missing from both files — and the
// line itself, through the real CLI; never a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { awsProfileFrom } from '../../src/credentials/minted/aws-profile.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { runCliInProcess, assertNoSecrets } from '../helpers/cli.ts';

const CREDENTIALS = `[base]
aws_access_key_id = AKIASIMBASE000000001
aws_secret_access_key = base/secret+never-shown
[static]
aws_access_key_id = ASIASIMSTATIC0000002
aws_secret_access_key = static/secret+never-shown
aws_session_token = static-session-token-never-shown
`;
const CONFIG = `[profile role]
role_arn = arn:aws:iam::123456789012:role/bedrock-caller
source_profile = base
[profile sso]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = BedrockUser
[profile process]
credential_process = /usr/local/bin/aws-keys
[profile sso-role]
role_arn = arn:aws:iam::123456789012:role/invoker
source_profile = sso
`;

test('an AWS profile is described by what it holds, each the way the SDK would take it', async () => {
  using ws = tempWorkspace('switchyard-aws-profile-');
  const files = { credentialsFile: ws.write('credentials', CREDENTIALS), configFile: ws.write('config', CONFIG) };
  const cases: [string, string | undefined, RegExp][] = [
    [
      'role',
      undefined,
      /^role arn:aws:iam::123456789012:role\/bedrock-caller assumed with profile base's keys \(STS at AWS's regional endpoint\)$/,
    ],
    ['role', 'http://127.0.0.1:9/', /assumed with profile base's keys \(STS at http:\/\/127\.0\.0\.1:9\/\)$/],
    ['static', undefined, /^keys ASIA…0002 with a session token$/],
    ['sso', undefined, /^SSO account 123456789012 role BedrockUser: `aws sso login` renews its session$/],
    ['process', undefined, /^a credential_process$/],
    [
      'sso-role',
      undefined,
      /^role arn:aws:iam::123456789012:role\/invoker assumed with profile sso's SSO credentials \(`aws sso login` renews its session\) \(STS at AWS's regional endpoint\)$/,
    ],
    ['nowhere', undefined, /^profile nowhere is in neither .*config nor .*credentials$/],
  ];
  for (const [profile, sts, expect] of cases) {
    const said = await awsProfileFrom({
      kind: 'aws',
      profile,
      ...files,
      ...(sts !== undefined ? { stsEndpoint: sts } : {}),
      timeoutMs: 1000,
    });
    assert.match(said ?? '', expect, profile);
    assert.doesNotMatch(said ?? '', /never-shown/);
  }
  assert.equal(await awsProfileFrom({ kind: 'aws', ...files, timeoutMs: 1000 }), undefined, 'the default chain');
});

test('auth explain says which role a Bedrock provider assumes, and with whose keys', async () => {
  using ws = tempWorkspace('switchyard-aws-explain-');
  ws.write('aws/credentials', CREDENTIALS);
  ws.write('aws/config', CONFIG);
  const config = ws.write(
    'switchyard.yaml',
    'providers:\n  bedrock:\n    type: bedrock\n    base_url: https://bedrock-runtime.us-east-1.amazonaws.com\n    region: us-east-1\n    aws_credentials: { profile: role }\n    models: { m: {} }\nmain: { provider: bedrock, model: m }\n',
  );
  const r = await runCliInProcess(['--config', config, 'auth', 'explain', 'bedrock'], {
    env: {
      SWITCHYARD_HOME: ws.home,
      AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'aws/credentials'),
      AWS_CONFIG_FILE: join(ws.dir, 'aws/config'),
    },
    cwd: ws.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /aws profile role \(providers\.bedrock\.aws_credentials\) — role arn:aws:iam::123456789012:role\/bedrock-caller assumed with profile base's keys .*: not minted yet/,
  );
  assertNoSecrets(
    ['base/secret+never-shown', 'static/secret+never-shown', 'static-session-token-never-shown'],
    `${r.stdout}${r.stderr}`,
  );
});

test('auth explain reads the AWS files and STS endpoint from the .env beside the config, as ${VAR} is read', async () => {
  using ws = tempWorkspace('switchyard-aws-explain-dotenv-');
  ws.write('aws/credentials', CREDENTIALS);
  ws.write('aws/config', CONFIG);
  ws.write(
    '.env',
    `AWS_SHARED_CREDENTIALS_FILE=${join(ws.dir, 'aws/credentials')}\nAWS_CONFIG_FILE=${join(ws.dir, 'aws/config')}\nAWS_ENDPOINT_URL_STS=http://127.0.0.1:9/\n`,
  );
  const config = ws.write(
    'switchyard.yaml',
    'providers:\n  bedrock:\n    type: bedrock\n    base_url: https://bedrock-runtime.us-east-1.amazonaws.com\n    region: us-east-1\n    aws_credentials: { profile: role }\n    models: { m: {} }\nmain: { provider: bedrock, model: m }\n',
  );
  const r = await runCliInProcess(['--config', config, 'auth', 'explain', 'bedrock'], {
    env: { SWITCHYARD_HOME: ws.home },
    cwd: ws.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /role arn:aws:iam::123456789012:role\/bedrock-caller assumed with profile base's keys \(STS at http:\/\/127\.0\.0\.1:9\/\)/,
  );
});
