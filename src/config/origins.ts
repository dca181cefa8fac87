// Where every resolved value came from (docs/config.md, `config show --explain`): the file position it was written at,
// the variable it was interpolated from, or the default.
import { relative } from 'node:path';
import type { Config } from './schema.ts';
import type { Origin } from './types.ts';
import { formatPath, originalPath, type ConfigPath } from './issue.ts';
import { locateValue, type YamlSource } from './yaml-source.ts';
import type { Interpolated } from './interpolate.ts';

function isLeaf(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/** Calls `visit` for every leaf (scalars, and empty lists/maps so that `headers: {}` is explained too). */
export function forEachLeaf(
  value: unknown,
  visit: (path: ConfigPath, leaf: unknown) => void,
  path: ConfigPath = [],
): void {
  if (value === undefined) return;
  if (isLeaf(value)) {
    visit(path, value);
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => forEachLeaf(v, visit, [...path, i]));
  else for (const [k, v] of Object.entries(value as Record<string, unknown>)) forEachLeaf(v, visit, [...path, k]);
}

export function buildOrigins(
  config: Config,
  source: YamlSource | null,
  interpolated: Interpolated | null,
): Map<string, Origin> {
  const origins = new Map<string, Origin>();
  const kept = interpolated?.kept ?? new Map<string, number[]>();
  forEachLeaf(config, (path) => {
    const key = formatPath(path);
    const written = originalPath(path, kept);
    const fromVar = interpolated?.origins.get(formatPath(written));
    if (fromVar) return void origins.set(key, fromVar);
    if (source) {
      const at = locateValue(source, written);
      if (at.exact) return void origins.set(key, { kind: 'file', file: source.file, line: at.line, col: at.col });
      // `api_key_command: CMD` is the short form of `api_key_command: { run: CMD }`: the command's own line.
      const run = written.findIndex((seg, i) => seg === 'run' && written[i - 1] === 'api_key_command');
      const short = run > 0 ? locateValue(source, [...written.slice(0, run), ...written.slice(run + 1)]) : undefined;
      if (short?.exact)
        return void origins.set(key, { kind: 'file', file: source.file, line: short.line, col: short.col });
    }
    origins.set(key, { kind: 'default' });
  });
  // Key slots whose variable was unset have no value, but their origin says where we looked (credentials use it).
  for (const path of interpolated?.unresolved.keys() ?? []) {
    const origin = interpolated?.origins.get(path);
    if (origin && !origins.has(path)) origins.set(path, origin);
  }
  return origins;
}

/** `switchyard.yaml:3`, `env MIMO_API_KEY (switchyard.yaml:5)`, `.env MIMO_API_KEY (…)`, `default`. */
export function describeOrigin(origin: Origin, cwd: string = process.cwd()): string {
  const short = (file: string): string => {
    const rel = relative(cwd, file);
    return rel && !rel.startsWith('..') ? rel : file;
  };
  const at = (o: { file?: string; line?: number }): string => (o.file ? ` (${short(o.file)}:${o.line ?? '?'})` : '');
  switch (origin.kind) {
    case 'file':
      return `${short(origin.file)}:${origin.line}`;
    case 'env':
      return `env ${origin.name}${at(origin)}`;
    case 'dotenv':
      return `.env ${origin.name}${at(origin)}`;
    default:
      return 'default';
  }
}
