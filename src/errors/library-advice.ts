// Explanations advise CLI commands (`switchyard auth add mimo`). A config built with configFromObject lives only in
// the calling process: no CLI command can see it, so for such a config the advice names what the caller can do
// instead. One table, applied where an explanation leaves the library (the call's error, the pool's explanation).
import type { LoadedConfig } from '../config/types.ts';

const PROVIDER = '([A-Za-z0-9_.-]+)';

/** A CLI command in an explanation → what a library caller does instead. */
const LIBRARY_ADVICE: readonly { cli: RegExp; instead: (provider: string) => string }[] = [
  {
    cli: new RegExp(`\`switchyard auth add ${PROVIDER}\``, 'g'),
    instead: (p) => `\`providers.${p}.api_keys\` in the config object (or its key_env variable)`,
  },
  {
    cli: new RegExp(`\`switchyard auth reset ${PROVIDER}(?: [^\`]+)?\``, 'g'),
    instead: (p) => `\`pool.reset('${p}')\` on the Switchyard instance`,
  },
  {
    cli: new RegExp(`\`switchyard auth (?:explain|list|test) ${PROVIDER}(?: [^\`]+)?\``, 'g'),
    instead: (p) => `\`pool.explain('${p}')\` on the Switchyard instance`,
  },
  { cli: /`switchyard doctor`/g, instead: () => "the provider's models list" },
];

/** Whether explanations for this config should name library calls rather than CLI commands. */
export function adviseLibrary(loaded: Pick<LoadedConfig, 'fromObject'>): boolean {
  return loaded.fromObject === true;
}

/** The explanation with each CLI command replaced by what a library caller does instead. */
export function libraryAdvice(text: string): string {
  let out = text;
  for (const { cli, instead } of LIBRARY_ADVICE)
    out = out.replace(cli, (_m, provider: string | undefined) => instead(provider ?? ''));
  return out;
}
