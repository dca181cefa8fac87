// The Azure OpenAI adapter against the simulator's Azure paths: the deployments API (api_version set, the model
// naming the deployment) and the v1 API, each through the whole conformance suite with the key in `api-key`.
import { after } from 'node:test';
import { azureAdapter } from '../../src/providers/azure/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

const common = {
  adapter: () => azureAdapter,
  baseUrl: (sim: string) => sim,
  // Azure serves the OpenAI body: the same settings, tool results and strict mode as OpenAI's own API.
  settingFields: {
    sent: ['user', 'seed', 'response_format', 'logit_bias', 'prompt_cache_key'],
    absent: ['top_k', 'metadata'],
  },
  marksFailedTool: (body: Record<string, unknown>) => {
    const messages = body['messages'] as { role: string; content: unknown }[];
    return String(messages.find((m) => m.role === 'tool')?.content).startsWith('Error: ');
  },
  strictTools: 'sent' as const,
  recentModelSampling: { sent: ['temperature', 'top_p', 'stop'], absent: [] },
};

runAdapterConformance({
  ...common,
  name: 'azure (deployments API)',
  context: { apiVersion: '2024-10-21' },
  baseWithQuery: (sim) => `${sim}/openai?team=t1`,
});

runAdapterConformance({
  ...common,
  name: 'azure (v1 API)',
  baseWithQuery: (sim) => `${sim}/openai/v1?team=t1`,
});
