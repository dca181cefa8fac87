// How long a function in src/ may grow, held by a test (issue 52): a long function is where the next change gets
// hard to make, and the simulator, whose front doors are rows of a route table, keeps its functions shorter still.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** The most lines a function may span, by the folder under src/ it is in (the first row that matches). */
const LIMITS: readonly { under: string; lines: number }[] = [
  { under: 'sim/', lines: 80 },
  { under: '', lines: 150 },
];

/** Functions over their limit today, by name (their files are moving), each to be cut down and struck off here
 * (issue 52); the test fails on any other. */
const KNOWN_LONG = new Set<string>([]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

interface FunctionSpan {
  /** `file:line name`. */
  where: string;
  /** The function's name or, for an unnamed one, what it is assigned to. */
  name: string;
  lines: number;
}

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (node.name !== undefined && !ts.isComputedPropertyName(node.name)) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** Every function, method, accessor, arrow and function expression in a file, with the lines it spans. */
function functionSpans(file: string): FunctionSpan[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = source.getLineAndCharacterOfPosition(fn.getStart(source)).line + 1;
      const last = source.getLineAndCharacterOfPosition(fn.getEnd()).line + 1;
      const name = nameOf(fn);
      spans.push({ where: `${relative(SRC, file)}:${first} ${name}`, name, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return spans;
}

const limitOf = (where: string): number => LIMITS.find((row) => where.startsWith(row.under))!.lines;

test('no function in src/ is longer than its folder allows', () => {
  const over = tsFiles(SRC)
    .flatMap(functionSpans)
    .filter((span) => span.lines > limitOf(span.where) && !KNOWN_LONG.has(span.name))
    .map((span) => `${span.where}: ${span.lines} lines (limit ${limitOf(span.where)})`);
  assert.deepEqual(over, []);
});
