import { after } from 'node:test';
import { anthropicAdapter } from '../../src/providers/anthropic/adapter.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'anthropic',
  adapter: () => anthropicAdapter,
  baseUrl: (sim) => sim,
  // seed, response_format, logit_bias and prompt_cache_key have no Anthropic equivalent (JSON is asked for in the
  // system prompt).
  settingFields: {
    sent: ['metadata', 'top_k'],
    absent: ['seed', 'response_format', 'user', 'logit_bias', 'prompt_cache_key'],
  },
  // tool_result.is_error, as Anthropic's own clients send it.
  marksFailedTool: (body) => {
    const messages = body['messages'] as { content: { type: string; is_error?: boolean }[] }[];
    return messages.flatMap((m) => m.content).find((b) => b.type === 'tool_result')?.is_error === true;
  },
  // Anthropic's own `strict` is not sent: older models refuse structured outputs, and a refusal ends the call.
  strictTools: 'left out',
  // Claude Sonnet 4.5 takes temperature or top_p, not both: the temperature goes. The stop sequences go without
  // the whitespace-only one.
  recentModelSampling: { sent: ['temperature', 'stop_sequences'], absent: ['top_p'] },
});
