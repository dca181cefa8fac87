// `gateway.aliases`: client model names → a task or a route, for clients whose names are fixed. Exact names beat
// patterns, longer patterns shorter ones, and `*` is last (docs/gateway.md#model-aliases).
import picomatch from 'picomatch';
import type { Config, Route } from '../../config/schema.ts';
import { parseRoute } from '../../config/route-name.ts';

/** What an alias sends a request to: a task's chain, or a route in place of the main route. */
export interface AliasTarget {
  task: string;
  route?: Route;
}

interface PatternAlias {
  pattern: string;
  matches: (name: string) => boolean;
  target: AliasTarget;
}

export interface AliasTable {
  exact: ReadonlyMap<string, AliasTarget>;
  /** Longest pattern first; `*` last. */
  patterns: readonly PatternAlias[];
}

/** Whether an alias name is a pattern rather than a model name. */
export const isPattern = (name: string): boolean => picomatch.scan(name).isGlob;

/** `main`, a task under `auxiliary:`, or `provider/model` with a configured provider (config check refuses others). */
export function aliasTarget(config: Config, value: string): AliasTarget | undefined {
  if (value === 'main' || Object.hasOwn(config.auxiliary, value)) return { task: value };
  const route = parseRoute(value);
  if (route === undefined || !Object.hasOwn(config.providers, route.provider)) return undefined;
  return { task: 'main', route };
}

export function buildAliases(config: Config): AliasTable {
  const exact = new Map<string, AliasTarget>();
  const patterns: PatternAlias[] = [];
  for (const [name, value] of Object.entries(config.gateway.aliases)) {
    const target = aliasTarget(config, value);
    if (target === undefined) continue;
    if (!isPattern(name)) exact.set(name, target);
    else patterns.push({ pattern: name, matches: picomatch(name, { bash: true }), target });
  }
  // Array.prototype.sort is stable: patterns of one length keep the order they were written in.
  patterns.sort((a, b) => rank(b.pattern) - rank(a.pattern));
  return { exact, patterns };
}

/** `*` alone is the default, after every other pattern whatever its length. */
const rank = (pattern: string): number => (pattern === '*' ? -1 : pattern.length);

/** The most specific pattern alias that matches `name`. */
export function patternAlias(table: AliasTable, name: string): AliasTarget | undefined {
  return matchingPattern(table, name)?.target;
}

/** The same, with the pattern that matched (named in `x-switchyard-alias` and the request log). */
export function matchingPattern(table: AliasTable, name: string): PatternAlias | undefined {
  return table.patterns.find((p) => p.matches(name));
}
