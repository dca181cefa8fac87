// `import { createSwitchyardProvider } from 'switchyard/ai-sdk'`: the AI SDK provider (docs/clients.md, "The AI SDK
// in-process").

// First: on a Node too old to run the library, fail saying so (node-version.ts).
import '../node-version.ts';

export { createSwitchyardProvider } from './provider.ts';
export type {
  SwitchyardProvider,
  SwitchyardProviderOptions,
  SwitchyardLanguageModelV3,
  SwitchyardLanguageModelV4,
} from './provider.ts';
export { SwitchyardCallError, UnsupportedFunctionalityError, NoSuchModelError } from './sdk-errors.ts';
export type { SpecificationVersion } from './spec-types.ts';
