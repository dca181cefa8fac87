import { after } from 'node:test';
import { anthropicAdapter } from '../../src/providers/anthropic.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'anthropic',
  adapter: () => anthropicAdapter,
  baseUrl: (sim) => sim,
  // seed and response_format have no Anthropic equivalent (JSON is asked for in the system prompt).
  settingFields: { user: 'metadata', absent: ['seed', 'response_format', 'user'] },
});
