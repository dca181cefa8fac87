// How credentials are named to a person: by their sources and masked key, never the secret.
import type { Credential, CredentialSource } from './types.ts';

/** `config key`, `config api_keys[1]`, `config auxiliary.title_generation.api_key`, `env MIMO_API_KEY`,
 * `.env MIMO_API_KEY`, `stored "backup"`. A task's own key is named by its slot: "config key" would send the reader
 * to the provider's `api_key`, which may be fine. */
export function sourceLabel(source: CredentialSource): string {
  if (source.kind === 'config') {
    const via = source.via !== undefined ? ` (${source.via})` : '';
    return `${configSlotLabel(source.where)}${via}`;
  }
  return source.where;
}

function configSlotLabel(where: string): string {
  if (/^providers\.[^.]+\.api_key$/.test(where)) return 'config key';
  const list = /^providers\.[^.]+\.(api_keys\[\d+\])$/.exec(where);
  return `config ${list ? list[1] : where}`;
}

export function sourcesText(sources: readonly CredentialSource[]): string {
  return sources.map(sourceLabel).join(' + ');
}

/** `config key sk-…a1b2`, `env MIMO_API_KEY + .env MIMO_API_KEY sk-…c3d4`. */
export function describeCredential(c: Pick<Credential, 'sources' | 'masked'>): string {
  return `${sourcesText(c.sources)} ${c.masked}`;
}
