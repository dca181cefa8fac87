// The Gemini API adapter against the simulator's Gemini paths (`/v1beta/models/M:generateContent` and
// `:streamGenerateContent?alt=sse`, the key in `x-goog-api-key`), through the whole conformance suite.
import { after } from 'node:test';
import { geminiAdapter } from '../../src/providers/gemini/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'gemini',
  adapter: () => geminiAdapter,
  baseUrl: (sim) => sim,
  baseWithQuery: (sim) => `${sim}/v1beta?team=t1`,
  // Settings go in generationConfig; Gemini has no end-user id, logit bias or prompt-cache key.
  settingFields: {
    sent: ['generationConfig.seed', 'generationConfig.topK', 'generationConfig.responseMimeType'],
    absent: ['user', 'logit_bias', 'prompt_cache_key', 'metadata'],
  },
  // A failed tool's result goes back as `response: {error: …}` rather than `{result: …}`.
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
