// The Bedrock adapter against the simulator's Converse paths (`/model/M/converse`, `/model/M/converse-stream` in AWS's
// binary event-stream framing), every request SigV4-signed and its signature recomputed by the simulator, through
// the whole conformance suite; its models from the control plane (ListInferenceProfiles, ListFoundationModels).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { bedrockAdapter, controlPlaneOf } from '../../src/providers/bedrock/adapter.ts';
import { startSimulator } from '../../src/sim/server.ts';
import { UpstreamError } from '../../src/errors/upstream-error.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'bedrock',
  adapter: () => bedrockAdapter,
  baseUrl: (sim) => sim,
  baseWithQuery: (sim) => `${sim}?team=t1`,
  awsSigned: true,
  context: { awsRegion: 'us-east-1' },
  // Converse has inferenceConfig for the common settings and additionalModelRequestFields for a model's own (top_k);
  // no seed, JSON mode, end-user id, logit bias or cache key.
  settingFields: {
    sent: ['additionalModelRequestFields.top_k'],
    absent: ['seed', 'response_format', 'user', 'logit_bias', 'prompt_cache_key'],
  },
  marksFailedTool: (body) => {
    const messages = body['messages'] as { content: { toolResult?: { status?: string } }[] }[];
    return messages.flatMap((m) => m.content).find((b) => b.toolResult)?.toolResult?.status === 'error';
  },
  strictTools: 'left out',
  recentModelSampling: {
    sent: ['inferenceConfig.temperature', 'inferenceConfig.topP', 'inferenceConfig.stopSequences'],
    absent: [],
  },
  skip: {
    images:
      'Converse takes an image as its bytes or an S3 location, not an http(s) URL: the check sends one by URL, which goes as text',
    'strict tools': 'Converse has no strict mode: toolSpec carries the name, description and JSON schema only',
  },
});

test('the models are listed from the control plane beside the runtime: inference profiles, then foundation models', async () => {
  assert.equal(
    controlPlaneOf('https://bedrock-runtime.eu-west-1.amazonaws.com'),
    'https://bedrock.eu-west-1.amazonaws.com',
  );
  assert.equal(
    controlPlaneOf('https://bedrock-runtime-fips.us-east-1.amazonaws.com'),
    'https://bedrock-fips.us-east-1.amazonaws.com',
  );
  assert.equal(controlPlaneOf('https://vpce-1.bedrock.example'), 'https://vpce-1.bedrock.example');
  const profile = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
  await using sim = await startSimulator({
    scenario: {
      models: { [profile]: {}, 'amazon.nova-pro-v1:0': {} },
      keys: { AKIASIMLIST000000001: { aws_secret: 'l' } },
    },
  });
  const ctx = { provider: 'br', baseUrl: sim.url, apiKey: 'AKIASIMLIST000000001:l', headers: {}, timeoutMs: 5000 };
  assert.deepEqual(await bedrockAdapter.listModels({ ...ctx, awsRegion: 'us-east-1' }), [
    profile,
    'anthropic.claude-sonnet-4-5-20250929-v1:0',
    'amazon.nova-pro-v1:0',
  ]);
  // Signed like a chat: a wrong secret is refused as AWS refuses it.
  const err = await bedrockAdapter.listModels({ ...ctx, apiKey: 'AKIASIMLIST000000001:wrong' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(UpstreamError.isInstance(err) && err.code === 'InvalidSignatureException');
});
