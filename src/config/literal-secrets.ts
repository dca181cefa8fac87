// A config file with a key written in it (`api_key: sk-…`, not `${VAR}`) holds that key as much as a `.env` does: if
// other users of the machine can read it, it is warned about in the `.env`'s words (file-exposure.ts). A config whose
// keys all come from variables holds none, whatever its mode.
import { exposureWarning } from './file-exposure.ts';
import { formatPath, type ConfigPath } from './issue.ts';
import { forEachLeaf } from './origins.ts';
import { isSecretPath, isUrlPath, redactUrl } from './secret-paths.ts';
import type { Origin } from './types.ts';
import type { YamlSource } from './yaml-source.ts';

/** A URL setting (base_url, proxy, gateway.state) with a password or query values in it: shown masked, so it is a
 * secret written in the file too. */
function holdsUrlSecret(path: ConfigPath, value: string): boolean {
  return isUrlPath(path) && redactUrl(value) !== value;
}

/** The secrets written literally in the file (secret-paths.ts says which values are secrets), by path as written:
 * a non-empty string with no `${VAR}` in it. `fromVariables` holds the paths whose value came from a variable. */
export function literalSecretPaths(source: YamlSource, fromVariables: ReadonlyMap<string, Origin>): string[] {
  const out: string[] = [];
  forEachLeaf(source.data, (path, leaf) => {
    if (typeof leaf !== 'string' || leaf.trim() === '' || !(isSecretPath(path) || holdsUrlSecret(path, leaf))) return;
    const written = formatPath(path);
    if (!fromVariables.has(written)) out.push(written);
  });
  return out;
}

/** The warning for the config file at `path` when it holds keys literally and others can read it; none otherwise. */
export function configExposureWarnings(
  path: string,
  source: YamlSource,
  fromVariables: ReadonlyMap<string, Origin>,
): string[] {
  const keys = literalSecretPaths(source, fromVariables);
  if (keys.length === 0) return [];
  const warning = exposureWarning(path, keys);
  return warning === undefined ? [] : [warning];
}
