// Checks that span fields (docs/config.md): every route names a defined provider, `api_key` and `api_keys` are not both
// given, every `gateway.aliases` target is a task or a `provider/model` with a defined provider. Runs on the raw (interpolated, not yet validated) data so its findings are listed together with the
// schema's, and reads it defensively: shapes the schema rejects are simply skipped here.
import { formatPath, type ConfigIssue, type ConfigPath } from './issue.ts';
import { didYouMean, closest } from './suggest.ts';
import { locateKey, locateValue, type YamlSource } from './yaml-source.ts';
import { forEachLeaf } from './origins.ts';
import { isDurationAt } from './schema-walk.ts';
import { budgetRefIssues } from './budget-refs.ts';
import { parseRoute } from './route-name.ts';

type Obj = Record<string, unknown>;

const BUILTIN_TASKS = ['title_generation', 'compression'];
/** Task provider values that are not provider names. */
const TASK_KEYWORDS = ['auto', 'none'];

function obj(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

interface RouteRef {
  path: ConfigPath;
  provider: string;
  /** Task providers may also say auto/none. */
  keywords: boolean;
}

function routeRef(value: unknown, path: ConfigPath, keywords = false): RouteRef[] {
  const provider = obj(value)?.['provider'];
  return typeof provider === 'string' ? [{ path: [...path, 'provider'], provider, keywords }] : [];
}

function listRefs(value: unknown, path: ConfigPath): RouteRef[] {
  return Array.isArray(value) ? value.flatMap((item, i) => routeRef(item, [...path, i])) : [];
}

function collectRefs(data: Obj): RouteRef[] {
  const refs = [...routeRef(data['main'], ['main']), ...listRefs(data['fallback'], ['fallback'])];
  for (const [task, cfg] of Object.entries(obj(data['auxiliary']) ?? {})) {
    refs.push(...routeRef(cfg, ['auxiliary', task], true));
    refs.push(...listRefs(obj(cfg)?.['fallback_chain'], ['auxiliary', task, 'fallback_chain']));
  }
  return refs;
}

/** Warnings about what is not there at all; a command that needs it says so as its error (exported so it can tell
 * them apart and not say the same thing twice). */
export const NO_PROVIDERS =
  'no providers are defined: nothing can be called (add providers: { NAME: { type, base_url } })';
export const NO_MAIN =
  'no `main:` route is set: chat and the `main` task have nothing to call (add main: { provider, model })';

export function crossCheck(
  data: unknown,
  raw: unknown,
  source: YamlSource,
): { issues: ConfigIssue[]; warnings: string[] } {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const root = obj(data);
  if (!root) return { issues, warnings };
  const providers = Object.keys(obj(root['providers']) ?? {});
  const issueAt = (path: ConfigPath, message: string, key = false): void => {
    const at = key ? locateKey(source, path) : locateValue(source, path);
    issues.push({ file: source.file, line: at.line, col: at.col, path: formatPath(path), message });
  };

  for (const ref of collectRefs(root)) {
    if (providers.includes(ref.provider) || (ref.keywords && TASK_KEYWORDS.includes(ref.provider))) continue;
    const choices = ref.keywords ? [...providers, ...TASK_KEYWORDS] : providers;
    const defined = providers.length
      ? `defined providers: ${providers.join(', ')}`
      : 'no providers are defined under `providers:`';
    const extra = ref.keywords ? '; or auto (the main chain), none (disabled)' : '';
    issueAt(ref.path, `unknown provider \`${ref.provider}\`${didYouMean(ref.provider, choices)}; ${defined}${extra}`);
  }

  // Both spellings present in the file is ambiguous about order and intent; judge what was written, before
  // interpolation dropped any unset variables.
  for (const [name, cfg] of Object.entries(obj(obj(raw)?.['providers']) ?? {})) {
    const p = obj(cfg);
    if (p && 'api_key' in p && 'api_keys' in p)
      issueAt(
        ['providers', name, 'api_keys'],
        'give either `api_key` (one key) or `api_keys` (a list), not both',
        true,
      );
  }

  for (const [task, cfg] of Object.entries(obj(root['auxiliary']) ?? {})) {
    const near = BUILTIN_TASKS.includes(task) ? undefined : closest(task, BUILTIN_TASKS);
    if (near)
      warnings.push(
        `auxiliary.${task} is not a built-in task (did you mean \`${near}\`?); it is kept as a custom task`,
      );
    warnings.push(...unusedOnAuto(task, obj(cfg)));
    const clash = taskAuthClash(task, obj(cfg), obj(root['providers']));
    if (clash !== undefined) issueAt(['auxiliary', task, 'auth', 'header'], clash);
  }
  for (const issue of aliasIssues(root, providers)) issueAt(issue.path, issue.message, issue.key);
  for (const issue of budgetRefIssues(root, providers)) issueAt(issue.path, issue.message);
  if (providers.length === 0) warnings.push(NO_PROVIDERS);
  if (!obj(root['main'])) warnings.push(NO_MAIN);
  warnings.push(...bareMilliseconds(root));
  return { issues, warnings };
}

interface AliasIssue {
  path: ConfigPath;
  message: string;
  /** Located at the key (the alias name) rather than its value. */
  key: boolean;
}

/** An alias must lead somewhere: to a task, or to `provider/model` with a defined provider. Its name cannot be a
 * task's: a client naming the task gets the task. */
function aliasIssues(root: Obj, providers: string[]): AliasIssue[] {
  const tasks = ['main', ...new Set([...BUILTIN_TASKS, ...Object.keys(obj(root['auxiliary']) ?? {})])];
  const issues: AliasIssue[] = [];
  for (const [name, value] of Object.entries(obj(obj(root['gateway'])?.['aliases']) ?? {})) {
    const path = ['gateway', 'aliases', name];
    if (tasks.includes(name))
      issues.push({
        path,
        key: true,
        message: `\`${name}\` is a task: a client that names it gets the task, so an alias cannot take its name`,
      });
    if (typeof value !== 'string' || value === '') continue; // the schema says what is wrong
    const problem = aliasTargetProblem(value, tasks, providers, root);
    if (problem !== undefined) issues.push({ path, key: false, message: problem });
  }
  return issues;
}

function aliasTargetProblem(value: string, tasks: string[], providers: string[], root: Obj): string | undefined {
  if (tasks.includes(value)) return undefined;
  const route = parseRoute(value);
  if (route !== undefined) {
    const provider = route.provider;
    if (providers.includes(provider)) return undefined;
    const defined = providers.length
      ? `defined providers: ${providers.join(', ')}`
      : 'no providers are defined under `providers:`';
    return `unknown provider \`${provider}\` in \`${value}\`${didYouMean(provider, providers)}; ${defined}`;
  }
  const owners = providers.filter((p) => Object.hasOwn(obj(obj(obj(root['providers'])?.[p])?.['models']) ?? {}, value));
  const hint =
    owners.length > 0 ? `; name the route with its provider: \`${owners[0]}/${value}\`` : didYouMean(value, tasks);
  return `\`${value}\` is neither a task (${tasks.join(', ')}) nor a provider/model route${hint}`;
}

/** `api_key`/`base_url` on a task with `provider: auto` are never used (the main chain runs on its own providers'
 * settings), so a key the user believes is the task's would silently be ignored. */
function unusedOnAuto(task: string, cfg: Obj | undefined): string[] {
  const provider = cfg?.['provider'] ?? 'auto';
  if (!cfg || provider !== 'auto') return [];
  return ['api_key', 'base_url', 'api_key_file', 'api_key_command', 'oauth2', 'auth']
    .filter((k) => cfg[k] !== undefined && cfg[k] !== null && (typeof cfg[k] !== 'string' || cfg[k].trim() !== ''))
    .map(
      (k) =>
        `auxiliary.${task}.${k} is not used: with provider: auto the task's first routes are the main chain's, on their providers' own settings (then its fallback_chain's); name the provider (provider: P) for the task's ${k} to apply`,
    );
}

/** A task's `auth.header` that its provider's `headers:` also sets (they go with every call to it): that value would
 * replace the key, as schema.ts refuses on a provider. */
function taskAuthClash(task: string, cfg: Obj | undefined, providers: Obj | undefined): string | undefined {
  const header = obj(cfg?.['auth'])?.['header'];
  const provider = cfg?.['provider'];
  if (typeof header !== 'string' || typeof provider !== 'string') return undefined;
  const headers = Object.keys(obj(obj(providers?.[provider])?.['headers']) ?? {});
  const clash = headers.find((h) => h.toLowerCase() === header.toLowerCase());
  return clash === undefined
    ? undefined
    : `${header} is set by providers.${provider}.headers.${clash}, which goes with the task's calls too and would replace the key — send the key in another header, or remove that entry`;
}

/** `timeout: 30` (seconds, in many tools' configs) is 30ms here: worth a word where so short makes no sense. */
function bareMilliseconds(root: Obj): string[] {
  const out: string[] = [];
  forEachLeaf(root, (path, value) => {
    const sensible = path[path.length - 1] === 'timeout' || path[0] === 'cooldowns';
    if (typeof value !== 'number' || value <= 0 || value >= 1000 || !sensible || !isDurationAt(path)) return;
    out.push(
      `${formatPath(path)}: a bare number is milliseconds, so ${value} means ${value}ms; write ${value}s if you meant seconds`,
    );
  });
  return out;
}
