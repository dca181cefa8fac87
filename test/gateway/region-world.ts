// The gateway in front of one provider that refuses every call for its region (the simulator's `403_region`) and
// one of the other type that answers, as the main route and its fallback: shared by the region-refusal tests of
// both provider types (region-refusal.test.ts, region-refusal-anthropic.test.ts).
import { startHarness, simProvider, FAST_RETRY, type Harness } from './harness.ts';

export const ask = [{ role: 'user' as const, content: 'hello from somewhere' }];

/** `refused` names the refusing provider's type; it is `oa` (openai) or `ant` (anthropic), the other is the fallback. */
export function regionWorld(
  refused: 'openai' | 'anthropic',
  keys: { refused: string; fallback: string },
): Promise<Harness> {
  const fallbackType = refused === 'openai' ? 'anthropic' : 'openai';
  const name = (type: 'openai' | 'anthropic'): string => (type === 'openai' ? 'oa' : 'ant');
  return startHarness({
    scenario: {
      models: { 'sim-large': {} },
      keys: { [keys.refused]: { script: ['403_region'], loop_script: true }, [keys.fallback]: {} },
    },
    config: (sim) => ({
      providers: {
        [name(refused)]: simProvider(sim, refused, keys.refused, { models: { 'sim-large': {} } }),
        [name(fallbackType)]: simProvider(sim, fallbackType, keys.fallback, { models: { 'sim-large': {} } }),
      },
      main: { provider: name(refused), model: 'sim-large' },
      fallback: [{ provider: name(fallbackType), model: 'sim-large' }],
      auxiliary: { compression: { enabled: false }, title_generation: { enabled: false } },
      retry: FAST_RETRY,
    }),
  });
}
