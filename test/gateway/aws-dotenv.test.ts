// The AWS variables a Bedrock profile is read with (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE) in the .env beside
// the config: read from it in a shell as under systemd (whose EnvironmentFile= puts them in the environment too), and
// still read after a reload, whose environment leaves the .env's values out: the credential keeps its identity and
// its health (docs/credentials.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, FAST_RETRY, type Harness } from './harness.ts';
import { reloadFromDisk } from '../../src/gateway/server/reload.ts';
import { tempWorkspace, type TempWorkspace } from '../helpers/tmp.ts';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const KEY_ID = 'AKIASIMDOTENV0000012';
const SECRET = 'dotenv/secret+12';

const config = (sim: string): Record<string, unknown> => ({
  providers: { bedrock: { type: 'bedrock', base_url: sim, region: 'us-east-1', aws_credentials: { profile: 'dev' } } },
  main: { provider: 'bedrock', model: MODEL },
  auxiliary: { compression: { enabled: false }, title_generation: { enabled: false } },
  retry: FAST_RETRY,
});

/** The AWS files in a directory of their own, and the .env lines naming them. */
function awsFiles(ws: TempWorkspace): { dotenv: string; vars: Record<string, string> } {
  const vars = {
    AWS_SHARED_CREDENTIALS_FILE: ws.write(
      'aws/credentials',
      `[dev]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`,
    ),
    AWS_CONFIG_FILE: ws.write('aws/config', '[profile other]\nregion = us-east-1\n'),
  };
  const dotenv = Object.entries(vars)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  return { dotenv, vars };
}

async function chat(h: Harness): Promise<number> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.key}` },
    body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

function bedrockCredential(h: Harness): { fingerprint: string; successes: number } {
  const c = h.gw.app.gateway.router.pool.candidates('bedrock')[0];
  assert.ok(c, 'bedrock has a credential');
  return { fingerprint: c.credential.fingerprint, successes: c.health.successes };
}

const SCENARIO = { models: { [MODEL]: {} }, keys: { [KEY_ID]: { aws_secret: SECRET } } };

test('in a shell, the .env beside the config names the AWS files a Bedrock profile is read from', async () => {
  using ws = tempWorkspace('switchyard-aws-dotenv-');
  const { dotenv } = awsFiles(ws);
  await using h = await startHarness({ scenario: SCENARIO, config, dotenv });
  assert.equal(await chat(h), 200, h.logs.join('\n').slice(-3000));
});

test('under systemd (the .env also in the environment), a reload keeps the Bedrock credential and its health', async () => {
  using ws = tempWorkspace('switchyard-aws-dotenv-');
  const { dotenv, vars } = awsFiles(ws);
  await using h = await startHarness({ scenario: SCENARIO, config, dotenv, env: vars });
  assert.equal(await chat(h), 200, h.logs.join('\n').slice(-3000));
  const before = bedrockCredential(h);
  assert.equal(before.successes, 1);

  h.writeConfig({ ...config(h.sim.url), retry: { ...FAST_RETRY, max_retries: 2 } });
  await reloadFromDisk(h.gw.app);
  assert.ok(
    h.logs.some((l) => l.includes('config reloaded')),
    h.logs.filter((l) => l.includes('invalid')).join('\n'),
  );
  assert.deepEqual(bedrockCredential(h), before, 'the same credential, its health kept');
  assert.equal(await chat(h), 200);
});
