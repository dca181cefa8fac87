import { after } from 'node:test';
import { anthropicAdapter } from '../../src/providers/anthropic.ts';
import { closePools } from '../../src/providers/registry.ts';
import { runAdapterConformance } from './adapter.case.ts';

after(closePools);

runAdapterConformance({
  name: 'anthropic',
  adapter: () => anthropicAdapter,
  baseUrl: (sim) => sim,
});
