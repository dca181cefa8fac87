// Provider type → adapter. Adapters are stateless singletons (connection pools live in http.ts, per origin).
import type { Classification } from '../errors/classify.ts';
import { UserError } from '../errors/user-error.ts';
import { anthropicAdapter } from './anthropic.ts';
import { openaiAdapter } from './openai.ts';
import { isTransientKind } from './transient.ts';
import type { ProviderAdapter } from './types.ts';

export type ProviderType = ProviderAdapter['type'];

const ADAPTERS: Readonly<Record<ProviderType, ProviderAdapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
};

export function adapterFor(type: ProviderType | string): ProviderAdapter {
  const adapter = (ADAPTERS as Record<string, ProviderAdapter | undefined>)[type];
  if (!adapter) throw new UserError(`unknown provider type "${type}": expected one of ${Object.keys(ADAPTERS).join(', ')}`);
  return adapter;
}

/** Worth retrying on the same key? The adapter's own view when it has one, else the default kinds. */
export function isTransient(adapter: ProviderAdapter, c: Classification): boolean {
  return adapter.isTransient ? adapter.isTransient(c) : isTransientKind(c.kind);
}

export { closePools } from './http.ts';
