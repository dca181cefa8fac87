// Provider type → adapter. Adapters are stateless singletons (connection pools live in http.ts, per origin).
import { UserError } from '../user-error.ts';
import { anthropicAdapter } from './anthropic/adapter.ts';
import { azureAdapter } from './azure/adapter.ts';
import { geminiAdapter } from './gemini/adapter.ts';
import { vertexAdapter } from './vertex/adapter.ts';
import { bedrockAdapter } from './bedrock/adapter.ts';
import { openaiAdapter } from './openai/adapter.ts';
import type { ProviderAdapter } from './types.ts';

export type ProviderType = ProviderAdapter['type'];

const ADAPTERS: Readonly<Record<ProviderType, ProviderAdapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  azure: azureAdapter,
  gemini: geminiAdapter,
  vertex: vertexAdapter,
  bedrock: bedrockAdapter,
};

export function adapterFor(type: ProviderType | string): ProviderAdapter {
  const adapter = (ADAPTERS as Record<string, ProviderAdapter | undefined>)[type];
  if (!adapter)
    throw new UserError(`unknown provider type "${type}": expected one of ${Object.keys(ADAPTERS).join(', ')}`);
  return adapter;
}

export { closePools } from './http.ts';
