// Reading a scenario from YAML (a file, or text sent to PUT /_sim/scenario) or from an object, with errors read
// the way config errors are (src/config): every problem at once, in file order, each as
// `file:line:col: keys.sk-x.script[2]: …`, with "did you mean" for a misspelt field.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../user-error.ts';
import { issuesError, type ConfigIssue } from '../config/issue.ts';
import { isDuplicateKey, parseYaml } from '../config/yaml-source.ts';
import { zodIssues, type Subject } from '../config/zod-issues.ts';
import type { SchemaLike } from '../config/schema-walk.ts';
import { decodeUtf8 } from '../config/encoding.ts';
import { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.ts';

const SUBJECT: Subject = {
  schema: scenarioSchema as unknown as SchemaLike,
  topLevel: 'the scenario must be a mapping (seed:, latency:, models:, keys:, …)',
};

/** Reads and validates a scenario file. Throws UserError (exit 2) with a located message. */
export function loadScenario(path: string): Scenario {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`scenario file ${path} is a directory, not a YAML file`);
    bytes = readFileSync(path);
  } catch (err) {
    if (UserError.isInstance(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `scenario file not found: ${path}`
        : `cannot read scenario file ${path}: ${code ?? String(err)}`,
    );
  }
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) throw new UserError(`scenario file ${path} is not UTF-8 text: ${decoded.why}`);
  return parseScenarioText(decoded.text, path);
}

/** Validates YAML (or JSON) scenario text; `source` names it in errors. */
export function parseScenarioText(text: string, source = '<scenario>'): Scenario {
  const { source: yaml, issues } = parseYaml(source, text);
  // Past a syntax error the structure is guesswork; a duplicate key is reported with everything else.
  const syntax = issues.filter((i) => !isDuplicateKey(i));
  if (syntax.length > 0) throw issuesError(source, issues, 'scenario');
  const result = scenarioSchema.safeParse(yaml.data);
  const all = [...issues, ...(result.success ? [] : zodIssues(result.error.issues, yaml, yaml.data, SUBJECT))];
  if (all.length > 0 || !result.success) throw issuesError(source, all, 'scenario');
  return result.data;
}

/** A scenario given inline (object), as YAML text, or as a file path. */
export function resolveScenario(input: Scenario | ScenarioInput | string): Scenario {
  if (typeof input !== 'string') {
    const result = scenarioSchema.safeParse(input);
    if (result.success) return result.data;
    throw inlineError(result.error, input);
  }
  // A one-line string naming an existing file (or ending in .yaml/.yml/.json) is a path; anything else is YAML.
  const looksLikePath = !input.includes('\n') && (existsSync(input) || /\.(ya?ml|json)$/i.test(input));
  return looksLikePath ? loadScenario(input) : parseScenarioText(input);
}

/** An object has no lines to point at: the same messages, located by key path only (`<scenario>: keys.k.quota: …`),
 * in the order the object's keys were written. */
function inlineError(error: z.ZodError, input: unknown): UserError {
  const { source } = parseYaml('<scenario>', stringify(input));
  const issues = zodIssues(error.issues, source, source.data, SUBJECT);
  const text = (i: ConfigIssue): string => `<scenario>: ${i.path ? `${i.path}: ` : ''}${i.message}`;
  const sorted = [...issues].sort((a, b) => a.line - b.line || a.col - b.col).map(text);
  if (sorted.length === 1) return new UserError(`invalid scenario: ${sorted[0]!}`);
  return new UserError(`invalid scenario: ${sorted.length} problems`, { details: sorted });
}
