// How credentials are named to a person: by their sources and masked key, never the secret. Two arrangements:
// `config key sk-…a1b2` in the key log (describeCredential), `sk-…a1b2 (config)` in explanations (describeKey).
import type { Credential, CredentialSource } from './types.ts';

/** `config key`, `env MIMO_API_KEY`, `stored "backup"`, …; a task's own key by its slot, since "config key" would
 * send the reader to the provider's `api_key`. */
export function sourceLabel(source: CredentialSource): string {
  if (source.kind === 'config') {
    const via = source.via !== undefined ? ` (${source.via})` : '';
    return `${configSlotLabel(source.where)}${via}`;
  }
  // A minted source by what gives its token: `command gcloud`, `oauth2 client app at login.example.com`.
  if (
    source.kind === 'file' ||
    source.kind === 'command' ||
    source.kind === 'oauth2' ||
    source.kind === 'aws' ||
    source.kind === 'login'
  )
    return source.via ?? source.where;
  return source.where;
}

const SINGLE_KEY = /^providers\.[^.]+\.api_key$/;

function configSlotLabel(where: string): string {
  if (SINGLE_KEY.test(where)) return 'config key';
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

/** One source in an explanation's parentheses (`config`, `from env MIMO_API_KEY`, …); a slot other than `api_key` by
 * its whole path, since an explanation may be read far from the provider's name. */
export function describeSource(source: CredentialSource): string {
  switch (source.kind) {
    case 'config':
      return `${SINGLE_KEY.test(source.where) ? 'config' : `config ${source.where}`}${source.via !== undefined ? `, from ${source.via}` : ''}`;
    case 'env':
    case 'dotenv':
      return `from ${sourceLabel(source)}`;
    case 'stored':
      return sourceLabel(source);
    case 'file':
    case 'command':
    case 'oauth2':
    case 'aws':
    case 'login':
      // `from command gcloud`, `from oauth2 client app at login.example.com`.
      return `from ${sourceLabel(source)}`;
  }
}

/** Every source of one credential, e.g. `config and from env MIMO_API_KEY`. */
export function describeSources(sources: readonly CredentialSource[]): string {
  if (sources.length === 0) return 'unknown source';
  return sources.map(describeSource).join(' and ');
}

/** `sk-…a1b2 (from env MIMO_API_KEY)` */
export function describeKey(key: { masked: string; sources: readonly CredentialSource[] }): string {
  return `${key.masked} (${describeSources(key.sources)})`;
}
