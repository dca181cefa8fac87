// The YAML side of loading: parse with node ranges kept, so every later problem (a zod issue, an unset ${VAR},
// a dangling provider name) can be reported at the file:line:col where the user wrote it.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
import type { ConfigIssue, ConfigPath } from './issue.ts';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain data; `{}` for an empty file. */
  data: unknown;
}

export interface Located {
  line: number;
  col: number;
  /** True when the exact node was found; false when we fell back to the nearest enclosing node. */
  exact: boolean;
}

export function parseYaml(file: string, text: string): { source: YamlSource; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  // uniqueKeys: a duplicated key is almost always a paste error and silently keeping one of them hides it.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, merge: true, prettyErrors: true });
  const all: ConfigIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    // prettyErrors appends " at line X, column Y:" and an excerpt; we print our own location instead.
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'DUPLICATE_KEY') {
      const key = /^\s*["']?([^"':\n]*)/.exec(text.slice(e.pos[0]))?.[1]?.trim() ?? '';
      return { file, line: pos.line, col: pos.col, path: '', message: `duplicate key \`${key}\`: each key may appear only once in a mapping` };
    }
    if (e.code === 'MULTIPLE_DOCS') {
      return { file, line: pos.line, col: pos.col, path: '', message: 'YAML syntax error: a second document starts here (`---`); a config file is one YAML document' };
    }
    const hint = /\{[^}\n]*\$\{/.test(lineAt(text, pos.line)) ? ' (inside { … } a value with ${VAR} must be quoted: "${VAR}")' : '';
    return { file, line: pos.line, col: pos.col, path: '', message: `YAML syntax error: ${message}${hint}` };
  });
  const issues = firstSyntaxErrorOnly(all);
  const data = issues.length === 0 ? (doc.toJS({ maxAliasCount: 100 }) as unknown) ?? {} : {};
  return { source: { file, doc, lines, data }, issues };
}

interface Found {
  node: Node | null;
  /** The key scalar of the last path segment, when it is a map entry. */
  key: Node | null;
  /** How many leading path segments were matched. */
  depth: number;
}

function walk(source: YamlSource, path: ConfigPath): Found {
  let node = source.doc.contents as Node | null;
  let key: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      key = pair.key as Node;
      node = (pair.value as Node | null) ?? null;
      // `key:` with no value: point at the key itself.
      if (node === null) return { node: key, key, depth: depth + 1 };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      key = null;
      node = item;
    } else break;
    depth++;
  }
  return { node, key, depth };
}

function position(source: YamlSource, node: Node | null): { line: number; col: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, col: 1 };
  return source.lines.linePos(offset);
}

/** Where the value at `path` was written (or the nearest enclosing node when it was not written at all). */
export function locateValue(source: YamlSource, path: ConfigPath): Located {
  const found = walk(source, path);
  const exact = found.depth === path.length;
  // A value that was never written (a required key left out): point at the entry that should contain it.
  return { ...position(source, !exact && found.key ? found.key : found.node), exact };
}

/** Where the key of the entry at `path` was written: for unknown keys, so the caret lands on the typo. */
export function locateKey(source: YamlSource, path: ConfigPath): Located {
  const found = walk(source, path);
  const exact = found.depth === path.length;
  return { ...position(source, exact && found.key ? found.key : found.node), exact };
}

/** Past the first syntax error the parser's further complaints are mostly echoes of it: report that one (and every
 * duplicate key, which are independent). */
function firstSyntaxErrorOnly(issues: ConfigIssue[]): ConfigIssue[] {
  const syntax = issues.filter((i) => i.message.startsWith('YAML syntax error'));
  const rest = issues.filter((i) => !i.message.startsWith('YAML syntax error'));
  if (syntax.length <= 1) return issues;
  const first = { ...syntax[0]!, message: `${syntax[0]!.message} (${syntax.length - 1} more syntax error${syntax.length > 2 ? 's' : ''} after it, likely caused by this one)` };
  return [first, ...rest].sort((a, b) => a.line - b.line || a.col - b.col);
}

function lineAt(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}
