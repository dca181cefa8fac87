// The YAML side of loading: parse with node ranges kept, so every later problem (a zod issue, an unset ${VAR},
// a dangling provider name) can be reported at the file:line:col where the user wrote it.
import {
  LineCounter,
  parseDocument,
  isAlias,
  isMap,
  isSeq,
  isScalar,
  isPair,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { ConfigIssue, ConfigPath } from './issue.ts';
import { checkStructure } from './yaml-structure.ts';
import { documentData } from './yaml-data.ts';

const BAD_MERGE =
  'YAML merge key `<<` takes a mapping, an alias of one (`<<: *defaults`) or a list of them (`<<: [*a, *b]`)';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain data; `{}` for an empty file. */
  data: unknown;
  /** The node each alias stands for (yaml-structure.ts). */
  aliases: ReadonlyMap<Alias, Node>;
}

export interface Located {
  line: number;
  col: number;
  /** True when the exact node was found; false when we fell back to the nearest enclosing node. */
  exact: boolean;
}

export function parseYaml(file: string, text: string): { source: YamlSource; issues: ConfigIssue[] } {
  const lines = new LineCounter();
  // Duplicate keys are found by checkStructure (a duplicated key is almost always a paste error and silently keeping
  // one of them hides it): the parser's own check (uniqueKeys) is quadratic in a mapping's size.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, merge: true, prettyErrors: true });
  const structure = checkStructure(file, doc, lines);
  const parsed: ConfigIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
    // prettyErrors appends " at line X, column Y:" and an excerpt; we print our own location instead.
    const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (e.code === 'MULTIPLE_DOCS') {
      return {
        file,
        line: pos.line,
        col: pos.col,
        path: '',
        message: 'YAML syntax error: a second document starts here (`---`); a config file is one YAML document',
        yaml: 'syntax',
      };
    }
    const hint = unquotedVariableHint(lineAt(text, pos.line));
    return {
      file,
      line: pos.line,
      col: pos.col,
      path: '',
      message: `YAML syntax error: ${message}${hint}`,
      yaml: 'syntax',
    };
  });
  const issues = firstSyntaxErrorOnly([...parsed, ...structure.issues]);
  // A duplicate key leaves the document readable (the later entry wins, as in YAML loaders that allow it), so the
  // rest of the file is still checked and every other problem is reported with it.
  const readable = issues.every(isDuplicateKey);
  // checkStructure has bounded what the aliases expand to, and found each one's anchor.
  const converted = readable ? documentData(doc.contents, structure.aliases) : { data: {}, badMerges: [] };
  for (const key of converted.badMerges) {
    const pos = lines.linePos(key.range?.[0] ?? 0);
    issues.push({ file, line: pos.line, col: pos.col, path: '', message: BAD_MERGE });
  }
  const data = converted.badMerges.length === 0 ? (converted.data ?? {}) : {};
  return { source: { file, doc, lines, data, aliases: structure.aliases }, issues };
}

/** Whether the document holds nothing at all: an empty file, blank lines, comments, or a lone `~`/`null`. */
export function isEmptyDocument(source: YamlSource): boolean {
  const contents = source.doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null);
}

interface Found {
  node: Node | null;
  /** The key scalar of the last path segment, when it is a map entry. */
  key: Node | null;
  /** How many leading path segments were matched. */
  depth: number;
}

/** An alias (`*name`) stands for the node its anchor (`&name`) marks: a value is located where it was written. */
function resolved(source: YamlSource, node: unknown): Node | null {
  if (isAlias(node)) return source.aliases.get(node) ?? null;
  return (node as Node | null | undefined) ?? null;
}

/** The `<<` of `<<: *defaults` or `<<: [*a, *b]` (the parser is created with `merge: true`). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

/** Each map's entries by key, made on the first lookup in it: searching the items each time made locating every
 * value of a 20,000-provider file quadratic. */
const entryIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function ownEntry(map: YAMLMap, seg: string | number): Pair | undefined {
  let index = entryIndex.get(map);
  if (index === undefined) {
    index = new Map();
    // The last one wins: with a duplicated key it is the entry whose value is used.
    for (const p of map.items)
      if (isPair(p) && isScalar(p.key) && !isMergeKey(p.key)) index.set(String(p.key.value), p as Pair);
    entryIndex.set(map, index);
  }
  return index.get(String(seg));
}

/** The entry for `seg` in a map: written in it, or else brought in by a merge key (earlier merged maps first, as
 * YAML merges them). */
function entryOf(source: YamlSource, map: YAMLMap, seg: string | number, depth = 0): Pair | undefined {
  const own = ownEntry(map, seg);
  if (own || depth > 20) return own;
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) continue;
    const value = resolved(source, pair.value);
    for (const merged of isSeq(value) ? value.items.map((i) => resolved(source, i)) : [value]) {
      const found = isMap(merged) ? entryOf(source, merged, seg, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function walk(source: YamlSource, path: ConfigPath): Found {
  let node = resolved(source, source.doc.contents);
  let key: Node | null = null;
  let depth = 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = entryOf(source, node, seg);
      if (!pair) break;
      key = pair.key as Node;
      node = resolved(source, pair.value);
      // `key:` with no value: point at the key itself.
      if (node === null) return { node: key, key, depth: depth + 1 };
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = resolved(source, node.items[seg]);
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

/** The text of the scalar at `path` as written (`1e400`, `.inf`), which its parsed value may not show. */
export function writtenAt(source: YamlSource, path: ConfigPath): string | undefined {
  const found = walk(source, path);
  return found.depth === path.length && isScalar(found.node) ? found.node.source : undefined;
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
  const syntax = issues.filter((i) => i.yaml === 'syntax');
  const rest = issues.filter((i) => i.yaml !== 'syntax');
  if (syntax.length <= 1) return issues;
  const first = {
    ...syntax[0]!,
    message: `${syntax[0]!.message} (${syntax.length - 1} more syntax error${syntax.length > 2 ? 's' : ''} after it, likely caused by this one)`,
  };
  return [first, ...rest].sort((a, b) => a.line - b.line || a.col - b.col);
}

/** A duplicate-key issue (the only parse issue after which the document is still read). */
export function isDuplicateKey(issue: ConfigIssue): boolean {
  return issue.yaml === 'duplicate_key';
}

/** An unquoted `${VAR}` inside `{ … }` or `[ … ]` reads as a nested flow mapping: the parser's complaint names
 * neither the variable nor the fix. */
function unquotedVariableHint(line: string): string {
  const at = line.search(/(?<!["'])\$\{/);
  if (at < 0) return '';
  // The nearest bracket before it that opens a collection (not the brace of an earlier `${…}`).
  const before = line.slice(0, at).replace(/\$\{[^}]*\}/g, '');
  const brace = before.lastIndexOf('{');
  const bracket = before.lastIndexOf('[');
  if (brace < 0 && bracket < 0) return '';
  const where = brace > bracket ? '{ … }' : '[ … ]';
  return ` (inside ${where} a value with \${VAR} must be quoted: "\${VAR}")`;
}

function lineAt(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}
