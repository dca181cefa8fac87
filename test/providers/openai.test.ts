import { after } from 'node:test';
import { openaiAdapter } from '../../src/providers/openai/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'openai',
  adapter: () => openaiAdapter,
  baseUrl: (sim) => `${sim}/v1`,
  // top_k is Anthropic's; OpenAI refuses it.
  settingFields: {
    sent: ['user', 'seed', 'response_format', 'logit_bias', 'prompt_cache_key'],
    absent: ['top_k', 'metadata'],
  },
  // No error flag in OpenAI's API: the tool message's text says it.
  marksFailedTool: (body) => {
    const messages = body['messages'] as { role: string; content: unknown }[];
    return String(messages.find((m) => m.role === 'tool')?.content).startsWith('Error: ');
  },
  strictTools: 'sent',
  // OpenAI takes both samplers and any stop sequence.
  recentModelSampling: { sent: ['temperature', 'top_p', 'stop'], absent: [] },
});
