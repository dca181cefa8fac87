// The Vertex AI adapter against the simulator's Vertex paths (`/v1/projects/P/locations/R/publishers/PUB/models/M:…`,
// a Bearer token): Anthropic's models through rawPredict/streamRawPredict and Google's through generateContent, each
// half through the whole conformance suite whatever the model is called.
import { after } from 'node:test';
import { vertexClaudeAdapter, vertexGeminiAdapter } from '../../src/providers/vertex/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

const context = { vertex: { project: 'sim-project', region: 'us-east5' } };

runAdapterConformance({
  name: 'vertex (Anthropic models)',
  adapter: () => vertexClaudeAdapter,
  baseUrl: (sim) => sim,
  baseWithQuery: (sim) => `${sim}/v1?team=t1`,
  context,
  // The Messages body, as Anthropic's own API takes it.
  settingFields: {
    sent: ['metadata', 'top_k'],
    absent: ['seed', 'response_format', 'user', 'logit_bias', 'prompt_cache_key'],
  },
  marksFailedTool: (body) => {
    const messages = body['messages'] as { content: { type: string; is_error?: boolean }[] }[];
    return messages.flatMap((m) => m.content).find((b) => b.type === 'tool_result')?.is_error === true;
  },
  strictTools: 'left out',
  recentModelSampling: { sent: ['temperature', 'stop_sequences'], absent: ['top_p'] },
});

runAdapterConformance({
  name: 'vertex (Gemini models)',
  adapter: () => vertexGeminiAdapter,
  baseUrl: (sim) => sim,
  baseWithQuery: (sim) => `${sim}/v1?team=t1`,
  context,
  settingFields: {
    sent: ['generationConfig.seed', 'generationConfig.topK', 'generationConfig.responseMimeType'],
    absent: ['user', 'logit_bias', 'prompt_cache_key', 'metadata'],
  },
  marksFailedTool: (body) => {
    const contents = body['contents'] as { parts: { functionResponse?: { response: Record<string, unknown> } }[] }[];
    const response = contents.flatMap((c) => c.parts).find((p) => p.functionResponse)?.functionResponse?.response;
    return response !== undefined && 'error' in response;
  },
  strictTools: 'left out',
  filterBlocksIn200: true,
  recentModelSampling: {
    sent: ['generationConfig.temperature', 'generationConfig.topP', 'generationConfig.stopSequences'],
    absent: [],
  },
  skip: {
    'strict tools':
      'Gemini has no strict mode: its function declarations are grouped in one tool, and the schema is always followed',
  },
});
