// `createSwitchyardProvider()`: an AI SDK provider whose models are our tasks and routes, over one Switchyard — the
// caller's, or one made here from the config the CLI and gateway read (so `switchyard auth explain` sees its calls).
import { stateHome } from '../config/home.ts';
import { loadConfig } from '../config/load.ts';
import type { LoadedConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { StateStore } from '../state/types.ts';
import { createSwitchyard, type Switchyard } from '../library/switchyard.ts';
import { UserError } from '../user-error.ts';
import type { UsageLedger } from '../usage/ledger.ts';
import { openLedger } from '../usage/open.ts';
import { SwitchyardLanguageModel } from './model.ts';
import { NoSuchModelError } from './sdk-errors.ts';
import type { LanguageModelFace, SpecificationVersion } from './spec-types.ts';

export interface SwitchyardProviderOptions<V extends SpecificationVersion = 'v4'> {
  /** The config to run with; default: the one the CLI finds (`loadConfig()`: $SWITCHYARD_CONFIG, ./switchyard.yaml,
   * the user's config). Ignored when `switchyard` is given. */
  config?: LoadedConfig;
  /** An existing router (from `createSwitchyard`) to share; the provider then does not close it, and its calls go to
   * the usage ledger it was given (`createSwitchyard({ usage })`), if any. */
  switchyard?: Switchyard;
  /** `v4` (default) for `ai` 7; `v3` for `ai` 6, which refuses `v4` models. */
  specificationVersion?: V;
  /** For a router made here: the state store (default: the config's `gateway.state`, as the CLI's) and a logger. */
  store?: StateStore;
  logger?: Logger;
}

export type SwitchyardLanguageModelV3 = LanguageModelFace<'v3'>;
export type SwitchyardLanguageModelV4 = LanguageModelFace<'v4'>;

/** The SDK's ProviderV3 (`v3`) or ProviderV4 (`v4`), so it also goes into `createProviderRegistry`. */
export interface SwitchyardProvider<V extends SpecificationVersion = 'v4'> extends AsyncDisposable {
  /** `switchyard('main')`, `switchyard('title_generation')`, `switchyard('claude/claude-sonnet-4-6')`. */
  (modelId: string): LanguageModelFace<V>;
  readonly specificationVersion: V;
  languageModel(modelId: string): LanguageModelFace<V>;
  /** Switchyard routes chat models only: these throw the SDK's NoSuchModelError. */
  embeddingModel(modelId: string): never;
  imageModel(modelId: string): never;
  /** The router every model of this provider runs on. */
  readonly switchyard: Switchyard;
  /** Closes the router if this provider made it (flushing key health to the state store). */
  close(): Promise<void>;
}

/** A router of the provider's own, on the config the CLI reads; its calls go to the ledger the CLI reads
 * (`switchyard usage`), as `chat`'s do. */
function ownRouter(options: SwitchyardProviderOptions<SpecificationVersion>): {
  router: Switchyard;
  usage: UsageLedger | undefined;
} {
  const config = options.config ?? loadConfig();
  const usage = openLedger(config.config.usage, { home: stateHome({ ...config.env }) });
  const router = createSwitchyard({
    config,
    ...(options.store ? { store: options.store } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(usage ? { usage } : {}),
  });
  return { router, usage };
}

export function createSwitchyardProvider(
  options: SwitchyardProviderOptions<'v3'> & { specificationVersion: 'v3' },
): SwitchyardProvider<'v3'>;
export function createSwitchyardProvider(options?: SwitchyardProviderOptions<'v4'>): SwitchyardProvider<'v4'>;
export function createSwitchyardProvider<V extends SpecificationVersion>(
  options: SwitchyardProviderOptions<V> = {},
): SwitchyardProvider<V> {
  if (options === null || typeof options !== 'object')
    throw new UserError('createSwitchyardProvider takes options: createSwitchyardProvider({ config: loadConfig() })');
  const version = (options.specificationVersion ?? 'v4') as V;
  if (version !== 'v3' && version !== 'v4')
    throw new UserError(`specificationVersion: expected 'v3' (ai 6) or 'v4' (ai 7), got ${JSON.stringify(version)}`);
  const owned = options.switchyard === undefined;
  const { router, usage } = options.switchyard ? { router: options.switchyard, usage: undefined } : ownRouter(options);
  const model = (modelId: string): LanguageModelFace<V> => new SwitchyardLanguageModel(router, modelId, version);
  const close = async (): Promise<void> => {
    if (!owned) return;
    await router.close();
    await usage?.close();
  };
  const none =
    (modelType: 'embeddingModel' | 'imageModel') =>
    (modelId: string): never => {
      throw new NoSuchModelError(modelId, `switchyard routes chat models only; it has no ${modelType}s`, modelType);
    };
  return Object.assign(model, {
    specificationVersion: version,
    languageModel: model,
    embeddingModel: none('embeddingModel'),
    imageModel: none('imageModel'),
    switchyard: router,
    close,
    [Symbol.asyncDispose]: close,
  });
}
