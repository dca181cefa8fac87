import { after } from 'node:test';
import { openaiAdapter } from '../../src/providers/openai.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'openai',
  adapter: () => openaiAdapter,
  baseUrl: (sim) => `${sim}/v1`,
});
