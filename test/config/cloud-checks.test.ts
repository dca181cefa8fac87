// `config check` on cloud mistakes that used to pass silently and fail every call: a region that does not exist, a
// region other than the one base_url names, an AWS profile or Google key file that is not there, an MCP command not
// on PATH; and a Bedrock or Vertex provider with no credentials is told how to give its cloud's, not to set a key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const AWS_URL = (region: string): string => `https://bedrock-runtime.${region}.amazonaws.com`;
const GOOGLE_URL = (region: string): string => `https://${region}-aiplatform.googleapis.com`;

interface Case {
  name: string;
  /** The provider's lines under `providers.p:` (4-space indented), or a whole `mcp:` section. */
  provider?: string;
  mcp?: string;
  /** Each must be among the warnings. */
  says: RegExp[];
  /** None of these may be. */
  not?: RegExp[];
}

const bedrock = (lines: string): string =>
  `    type: bedrock\n${lines}    aws_credentials: { profile: dev }\n    models: { m: {} }\n`;
const vertex = (lines: string): string =>
  `    type: vertex\n    project: my-project\n${lines}    google_credentials: GOOGLE_KEY\n    models: { m: {} }\n`;

const CASES: Case[] = [
  {
    name: 'a Bedrock region that does not exist',
    provider: bedrock(`    base_url: https://bedrock.example.internal\n    region: us-est-1\n`),
    says: [/providers\.p\.region: `us-est-1` is not an AWS region \(did you mean `us-east-1`\?\)/],
  },
  {
    name: "a Bedrock region other than base_url's",
    provider: bedrock(`    base_url: ${AWS_URL('us-west-2')}\n    region: us-east-1\n`),
    says: [/providers\.p\.region: `us-east-1` differs from the region its base_url names \(`us-west-2`\)/],
  },
  {
    name: 'a base_url naming a region that does not exist',
    provider: bedrock(`    base_url: ${AWS_URL('eu-wset-1')}\n`),
    says: [
      /providers\.p\.base_url: the region it names, `eu-wset-1` is not an AWS region \(did you mean `eu-west-1`\?\)/,
    ],
  },
  {
    name: 'a Vertex region written the AWS way',
    provider: vertex(`    base_url: https://vertex.example.internal\n    region: us-east-5\n`),
    says: [/providers\.p\.region: `us-east-5` is not a Google Cloud region \(did you mean `us-east5`\?\)/],
  },
  {
    name: "a Vertex region other than base_url's",
    provider: vertex(`    base_url: ${GOOGLE_URL('europe-west1')}\n    region: europe-west4\n`),
    says: [/providers\.p\.region: `europe-west4` differs from the region its base_url names \(`europe-west1`\)/],
  },
  {
    name: "a Vertex region that is not one of Google Cloud's",
    provider: vertex(`    base_url: https://vertex.example.internal\n    region: us-centrl1\n`),
    says: [/`us-centrl1` is not a Google Cloud region Vertex AI is known to serve \(did you mean `us-central1`\?\)/],
  },
  {
    name: 'an AWS profile in neither shared file',
    provider: `    type: bedrock\n    base_url: ${AWS_URL('us-east-1')}\n    aws_credentials: { profile: prdo }\n    models: { m: {} }\n`,
    says: [
      /providers\.p\.aws_credentials: profile prdo is in neither .*aws-config nor .*aws-credentials, so no AWS credentials: every call through p would fail/,
    ],
  },
  {
    name: 'a Google key file that does not exist',
    provider: `    type: vertex\n    project: my-project\n    region: us-east5\n    base_url: ${GOOGLE_URL('us-east5')}\n    google_credentials: ./no-such-key.json\n    models: { m: {} }\n`,
    says: [/providers\.p\.google_credentials: the Google key file .*no-such-key\.json does not exist/],
  },
  {
    name: 'an MCP command not on PATH',
    mcp: 'mcp:\n  servers:\n    files: { command: [no-such-mcp-server-xyz, --stdio] }\n    here: { command: [./missing-server.sh] }\n',
    says: [
      /mcp\.servers\.files\.command: `no-such-mcp-server-xyz` is not on PATH \(none of its \d+ directories holds it\): the server cannot start/,
      /mcp\.servers\.here\.command: `\.\/missing-server\.sh` is not an executable file/,
    ],
  },
  {
    name: 'a Bedrock provider with no credentials',
    provider: `    type: bedrock\n    base_url: ${AWS_URL('us-east-1')}\n    models: { m: {} }\n`,
    says: [
      /providers\.p: no API key found .*; give it AWS credentials: `aws_credentials: default_chain` \(the AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE in the environment, ~\/\.aws\/credentials/,
    ],
    not: [/set P_API_KEY, or store/],
  },
  {
    name: 'a Vertex provider with no credentials',
    provider: `    type: vertex\n    project: my-project\n    region: us-east5\n    base_url: ${GOOGLE_URL('us-east5')}\n    models: { m: {} }\n`,
    says: [/providers\.p: no API key found .*; give it Google credentials: `google_credentials: adc`/],
    not: [/set P_API_KEY/],
  },
  {
    name: 'clouds written right say none of it',
    provider: bedrock(`    base_url: ${AWS_URL('eu-central-2')}\n    region: eu-central-2\n`),
    mcp: `mcp:\n  servers:\n    files: { command: [${process.execPath}, --version] }\n    sh: { command: [sh, -c, 'true'] }\n`,
    says: [],
    not: [/region|aws_credentials|google_credentials|mcp\.servers|no API key/],
  },
  {
    name: 'a Vertex provider written right says none of it',
    provider: vertex(`    base_url: ${GOOGLE_URL('us-east5')}\n    region: us-east5\n`),
    says: [],
    not: [/region|google_credentials|no API key/],
  },
];

test('config check warns of cloud regions, credentials and MCP commands that would fail every call', async () => {
  using ws = tempWorkspace('switchyard-cloud-checks-');
  ws.write(
    'aws-credentials',
    '[dev]\naws_access_key_id = AKIASIMCLOUD00000001\naws_secret_access_key = cloud/secret\n',
  );
  ws.write('aws-config', '[profile prod]\nregion = us-east-1\n');
  const googleKey = ws.write('google.json', '{"type":"service_account"}\n');
  const env = {
    HOME: ws.home,
    SWITCHYARD_HOME: ws.home,
    PATH: process.env['PATH'] ?? '',
    AWS_SHARED_CREDENTIALS_FILE: join(ws.dir, 'aws-credentials'),
    AWS_CONFIG_FILE: join(ws.dir, 'aws-config'),
  };
  const wrong: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const providers =
      c.provider === undefined ? '' : `providers:\n  p:\n${c.provider.replace('GOOGLE_KEY', googleKey)}`;
    const main = c.provider === undefined ? '' : 'main: { provider: p, model: m }\n';
    const config = ws.write(join(`c${i}`, 'switchyard.yaml'), `${providers}${main}${c.mcp ?? ''}`);
    const r = await runCliInProcess(['--config', config, 'config', 'check'], { env, cwd: join(ws.dir, `c${i}`) });
    if (r.code !== 0) {
      wrong.push(`${c.name}: exit ${r.code}: ${r.stderr}`);
      continue;
    }
    for (const re of c.says) if (!re.test(r.stdout)) wrong.push(`${c.name}: no ${re} in:\n${r.stdout}`);
    for (const re of c.not ?? []) if (re.test(r.stdout)) wrong.push(`${c.name}: ${re} said:\n${r.stdout}`);
  }
  assert.deepEqual(wrong, []);
});
