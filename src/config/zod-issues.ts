// Turns zod's issues into messages a user can act on: located, naming the key path, saying what was expected and
// what was found, with "did you mean" for unknown keys and misspelt enum values.
import type { z } from 'zod';
import { formatPath, type ConfigIssue, type ConfigPath } from './issue.ts';
import { isSecretPath, isUrlPath, redactUrl } from './secret-paths.ts';
import { isDurationAt, isIntAt, keysAt, type SchemaLike } from './schema-walk.ts';
import { didYouMean } from './suggest.ts';
import { locateKey, locateValue, writtenAt, type YamlSource } from './yaml-source.ts';

type ZodIssue = z.core.$ZodIssue;

function valueAt(data: unknown, path: ConfigPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  int: 'a whole number',
  object: 'a mapping (key: value)',
  array: 'a list',
  record: 'a mapping (key: value)',
};

/** What the user wrote, short and never a secret. `written`: the YAML text of a scalar, for a number JSON cannot
 * show (1e400 parses as Infinity, which JSON.stringify prints as `null`). */
function describe(value: unknown, path: ConfigPath, written?: string): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // The type alone: a key written where a list or a mapping belongs is still a key.
  if (isSecretPath(path)) return `a ${typeof value} (not shown: a secret)`;
  if (typeof value === 'number' && !Number.isFinite(value)) return nonFinite(value, written);
  const text = JSON.stringify(isUrlPath(path) && typeof value === 'string' ? redactUrl(value) : value);
  return text.length > 60
    ? `${typeof value} ${text.slice(0, 57)}…"`
    : `${typeof value === 'string' ? '' : typeof value + ' '}${text}`;
}

/** `1e400 (too large to be a number)`, `.inf (infinity)`, `.nan (not a number)`: as written, and why it is not one. */
function nonFinite(value: number, written: string | undefined): string {
  if (Number.isNaN(value)) return `${written ?? 'NaN'} (not a number)`;
  if (written === undefined || /^[-+]?\.inf$/i.test(written)) return `${written ?? String(value)} (infinity)`;
  return `${written} (too large to be a number)`;
}

/** What is being validated: the config (the default) or another document read the same way (a sim scenario). */
export interface Subject {
  schema?: SchemaLike;
  /** How the top level is described when it is not a mapping. */
  topLevel?: string;
}

const CONFIG_TOP_LEVEL = 'the config must be a mapping of sections (providers:, main:, …)';

function expectedText(issue: ZodIssue, path: ConfigPath, subject: Subject): string {
  if (isDurationAt(path, subject.schema)) return 'a duration like 250ms, 30s, 5m or 1h';
  if (issue.code === 'invalid_type')
    return issue.expected === 'number' && isIntAt(path, subject.schema)
      ? 'a whole number'
      : (TYPE_NAMES[issue.expected] ?? issue.expected);
  if (issue.code === 'invalid_value') return `one of ${issue.values.map(String).join(' | ')}`;
  if (issue.code === 'invalid_union') return unionChoices(issue) ?? 'a valid value';
  return 'a valid value';
}

/** `true or false | openai | payment` from the branches of a union that failed on type or value. */
function unionChoices(issue: z.core.$ZodIssueInvalidUnion): string | undefined {
  const choices: string[] = [];
  for (const branch of issue.errors) {
    const first = branch[0];
    if (branch.length !== 1 || !first || first.path.length > 0) return undefined;
    if (first.code === 'invalid_type') choices.push(TYPE_NAMES[first.expected] ?? first.expected);
    else if (first.code === 'invalid_value') choices.push(...first.values.map(String));
    else return undefined;
  }
  return choices.length > 0 ? choices.join(' | ') : undefined;
}

function messageFor(issue: ZodIssue, path: ConfigPath, data: unknown, subject: Subject, written?: string): string {
  const value = valueAt(data, path);
  const got = describe(value, path, written);
  if (value === undefined && path.length > 0) return `is required (expected ${expectedText(issue, path, subject)})`;
  switch (issue.code) {
    case 'invalid_type':
      if (path.length === 0) return `${subject.topLevel ?? CONFIG_TOP_LEVEL}, got ${got}`;
      return `expected ${expectedText(issue, path, subject)}, got ${got}`;
    case 'invalid_union':
      return `expected ${expectedText(issue, path, subject)}, got ${got}`;
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      const hint = typeof value === 'string' ? didYouMean(value, allowed) : '';
      // A schema's own wording (`unknown step "418"; steps are …`) says it better than a list of every value.
      if (!issue.message.startsWith('Invalid')) return `${issue.message}${hint}`;
      return `expected one of ${allowed.join(' | ')}, got ${got}${hint}`;
    }
    case 'invalid_format':
      if (issue.format === 'url') return `expected a URL like https://api.example.com/v1, got ${got}`;
      return `${issue.message}, got ${got}`;
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} entries`;
      return `expected a number ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `expected a number ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${got}`;
    case 'not_multiple_of':
      return `expected a whole number, got ${got}`;
    default:
      return issue.message;
  }
}

/** Unknown keys: one issue per key, at the key itself, with the nearest valid key. */
function unknownKeys(keys: string[], parent: ConfigPath, source: YamlSource, subject: Subject): ConfigIssue[] {
  const valid = keysAt(parent, subject.schema);
  return keys.map((key) => {
    const path = [...parent, key];
    const at = locateKey(source, path);
    const hint = didYouMean(key, valid);
    const list = hint || valid.length === 0 ? '' : ` (valid keys here: ${valid.join(', ')})`;
    return {
      file: source.file,
      line: at.line,
      col: at.col,
      path: formatPath(path),
      message: `unknown key \`${key}\`${hint}${list}`,
    };
  });
}

export function zodIssues(
  issues: readonly ZodIssue[],
  source: YamlSource,
  data: unknown,
  subject: Subject = {},
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      out.push(...unknownKeys(issue.keys, path, source, subject));
      continue;
    }
    if (issue.code === 'invalid_key') {
      const at = locateKey(source, path);
      const inner = issue.issues[0]?.message ?? 'invalid key';
      out.push({
        file: source.file,
        line: at.line,
        col: at.col,
        path: formatPath(path),
        message: `invalid name \`${String(path[path.length - 1])}\`: ${inner}`,
      });
      continue;
    }
    // A whole section of the wrong shape (a list for a mapping) reads best at its key, `retry:`.
    const value = valueAt(data, path);
    const at = value !== null && typeof value === 'object' ? locateKey(source, path) : locateValue(source, path);
    out.push({
      file: source.file,
      line: at.line,
      col: at.col,
      path: formatPath(path),
      message: messageFor(issue, path, data, subject, writtenAt(source, path)),
    });
  }
  return out;
}
