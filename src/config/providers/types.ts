// The provider types a config may name, apart from schema.ts so that each type's own fields
// (config/providers/<type>.ts) can name them without importing the schema they are spread into.

/** The upstream APIs an adapter speaks (src/providers/registry.ts). */
export const PROVIDER_TYPES = ['openai', 'anthropic', 'azure', 'gemini', 'vertex', 'bedrock'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];
