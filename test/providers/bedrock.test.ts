// The Bedrock adapter against the simulator's Converse paths (`/model/M/converse`, `/model/M/converse-stream` in AWS's
// binary event-stream framing), every request SigV4-signed and its signature recomputed by the simulator, through
// the whole conformance suite.
import { after } from 'node:test';
import { bedrockAdapter } from '../../src/providers/bedrock.ts';
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
    models:
      "the runtime endpoint has no model list (that is the control plane's, bedrock.REGION.amazonaws.com): a Bedrock provider's models are its config's",
    'strict tools': 'Converse has no strict mode: toolSpec carries the name, description and JSON schema only',
  },
});
