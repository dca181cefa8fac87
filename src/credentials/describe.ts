// How credentials are named to a person: by their sources and masked key, never the secret.
import type { Credential, CredentialSource } from './types.ts';

/** `config key`, `config api_keys[1]`, `env MIMO_API_KEY`, `.env MIMO_API_KEY`, `stored "backup"`. */
export function sourceLabel(source: CredentialSource): string {
  if (source.kind === 'config') {
    const list = /\.(api_keys\[\d+\])$/.exec(source.where);
    const via = source.via !== undefined ? ` (${source.via})` : '';
    return `${list ? `config ${list[1]}` : 'config key'}${via}`;
  }
  return source.where;
}

export function sourcesText(sources: readonly CredentialSource[]): string {
  return sources.map(sourceLabel).join(' + ');
}

/** `config key sk-…a1b2`, `env MIMO_API_KEY + .env MIMO_API_KEY sk-…c3d4`. */
export function describeCredential(c: Pick<Credential, 'sources' | 'masked'>): string {
  return `${sourcesText(c.sources)} ${c.masked}`;
}
