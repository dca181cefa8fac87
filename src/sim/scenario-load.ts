// Reading a scenario from YAML (a file, or text sent to PUT /_sim/scenario) or from an object, with errors that
// say where: `file:line:col: keys.sk-x.script[2]: …`, plus "did you mean" for a misspelt field.
import { readFileSync, existsSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors/user-error.ts';
import { scenarioSchema, type Scenario, type ScenarioInput } from './scenario.ts';

/** Reads and validates a scenario file. Throws UserError (exit 2) with a located message. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `scenario file not found: ${path}` : `cannot read scenario file ${path}: ${code ?? String(err)}`);
  }
  return parseScenarioText(text, path);
}

/** Validates YAML (or JSON) scenario text; `source` names it in errors. */
export function parseScenarioText(text: string, source = '<scenario>'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lines.linePos(yamlError.pos[0]);
    throw new UserError(`${source}:${at.line}:${at.col}: not valid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const result = scenarioSchema.safeParse(doc.toJS());
  if (result.success) return result.data;
  throw locatedError(result.error, source, doc, lines);
}

/** A scenario given inline (object), as YAML text, or as a file path. */
export function resolveScenario(input: Scenario | ScenarioInput | string): Scenario {
  if (typeof input !== 'string') {
    const result = scenarioSchema.safeParse(input);
    if (result.success) return result.data;
    throw locatedError(result.error, '<scenario>');
  }
  // A one-line string naming an existing file (or ending in .yaml/.yml/.json) is a path; anything else is YAML.
  const looksLikePath = !input.includes('\n') && (existsSync(input) || /\.(ya?ml|json)$/i.test(input));
  return looksLikePath ? loadScenario(input) : parseScenarioText(input);
}

type Issue = z.core.$ZodIssue;

function locatedError(error: z.ZodError, source: string, doc?: Document, lines?: LineCounter): UserError {
  const messages = error.issues.map((issue) => describeIssue(issue, source, doc, lines));
  const [first, ...rest] = messages;
  return new UserError(`invalid scenario: ${first ?? 'unknown problem'}`, { details: rest });
}

function describeIssue(issue: Issue, source: string, doc?: Document, lines?: LineCounter): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const where = doc && lines ? positionOf(doc, lines, path, issue) : undefined;
  const prefix = where ? `${source}:${where.line}:${where.col}` : source;
  const hint = issue.code === 'unrecognized_keys' ? suggestion(issue.keys, path) : '';
  const field = issue.code === 'unrecognized_keys' ? pathText([...path, issue.keys[0] ?? '']) : pathText(path);
  return `${prefix}: ${field || '(top level)'}: ${issue.message}${hint}`;
}

function pathText(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The line/column of the deepest node on the path that exists (for an unknown field: the field's own key). */
function positionOf(doc: Document, lines: LineCounter, path: (string | number)[], issue: Issue): { line: number; col: number } | undefined {
  if (issue.code === 'unrecognized_keys') {
    const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find((p) => isScalar(p.key) && p.key.value === issue.keys[0]);
      const range = isScalar(pair?.key) ? pair.key.range : undefined;
      if (range) return lines.linePos(range[0]);
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]);
  }
  return undefined;
}

const FIELDS: Record<string, string[]> = {
  top: ['seed', 'latency', 'stream_delay', 'models', 'keys'],
  model: ['context_window', 'latency', 'stream_delay', 'reset_rate', 'transient_401_rate', 'server_error_rate', 'overloaded_rate', 'cut_rate'],
  key: [
    'valid', 'apis', 'models', 'rate_limit_after', 'reset', 'reset_headers', 'quota', 'script', 'loop_script', 'latency',
    'stream_delay', 'reset_rate', 'transient_401_rate', 'server_error_rate', 'overloaded_rate', 'cut_rate',
  ],
};

function suggestion(unknown: string[], path: (string | number)[]): string {
  const candidates = path.length === 0 ? FIELDS['top'] : path[0] === 'models' ? FIELDS['model'] : FIELDS['key'];
  const word = unknown[0];
  if (!word || !candidates) return '';
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean \`${best}\`?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
