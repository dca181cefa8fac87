// What the YAML parser leaves to us, in one linear pass: duplicate keys (its own check is quadratic), and aliases that
// name no anchor, contain themselves, or expand past MAX_EXPANDED_VALUES (a "billion laughs").
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  visit,
  type Alias,
  type Document,
  type LineCounter,
  type Node,
} from 'yaml';
import type { ConfigIssue } from './issue.ts';

/** The most values a config may hold once its aliases are expanded: far past any real config (20,000 providers,
 * written out, are ~200,000), and a bound on the work every later step does on the document. */
export const MAX_EXPANDED_VALUES = 1_000_000;

export interface Structure {
  issues: ConfigIssue[];
  /** The node each alias stands for (the last anchor of its name before it), for locating values reached through
   * one: `Alias.resolve` searches the whole document on every call. */
  aliases: Map<Alias, Node>;
}

export function checkStructure(file: string, doc: Document.Parsed, lines: LineCounter): Structure {
  const issues: ConfigIssue[] = [];
  const aliases = new Map<Alias, Node>();
  const anchors = new Map<string, Node>();
  const at = (node: Node, message: string, yaml?: ConfigIssue['yaml']): void => {
    const pos = lines.linePos(node.range?.[0] ?? 0);
    const issue: ConfigIssue = { file, line: pos.line, col: pos.col, path: '', message };
    issues.push(yaml === undefined ? issue : { ...issue, yaml });
  };
  visit(doc, {
    // Document order: an anchor is seen before the aliases after it, and a collection before what it holds.
    Node(_key, node, path) {
      if (node.anchor !== undefined) anchors.set(node.anchor, node);
      if (isMap(node)) duplicateKeys(node.items, at);
      if (!isAlias(node)) return undefined;
      const source = anchors.get(node.source);
      if (source === undefined)
        at(
          node,
          `YAML alias \`*${node.source}\` names no anchor before it (write \`&${node.source}\` on a value above, then \`*${node.source}\` to repeat it)`,
        );
      else if (path.includes(source))
        at(
          node,
          `YAML alias \`*${node.source}\` is inside the value it repeats (\`&${node.source}\`): the value would contain itself without end`,
        );
      else aliases.set(node, source);
      return undefined;
    },
  });
  if (issues.length === 0) tooLarge(doc, aliases, at);
  return { issues, aliases };
}

/** Each key written again in the same mapping, at the later one. Keys are compared as the parser compares them
 * (the same scalar value), through a Set instead of with every earlier key. */
function duplicateKeys(
  items: readonly unknown[],
  at: (node: Node, message: string, yaml: 'duplicate_key') => void,
): void {
  const seen = new Set<unknown>();
  for (const pair of items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const key = pair.key.value;
    if (seen.has(key))
      at(
        pair.key,
        `duplicate key \`${keyText(pair.key.source ?? key)}\`: each key may appear only once in a mapping`,
        'duplicate_key',
      );
    seen.add(key);
  }
}

function keyText(key: unknown): string {
  return typeof key === 'symbol' ? (key.description ?? '') : String(key);
}

/** The document expanded past MAX_EXPANDED_VALUES, said at the alias that stands for the most values. Each node's
 * expanded size is worked out once (an alias reuses its anchor's), so this is linear however deep the aliases nest. */
function tooLarge(
  doc: Document.Parsed,
  aliases: ReadonlyMap<Alias, Node>,
  at: (node: Node, message: string) => void,
): void {
  const sizes = new Map<unknown, number>();
  const size = (node: unknown): number => {
    const known = sizes.get(node);
    if (known !== undefined) return known;
    let n = 1;
    if (isAlias(node)) n = size(aliases.get(node));
    else if (isCollection(node)) for (const item of node.items) n += size(item);
    else if (isPair(node)) n = size(node.key) + size(node.value);
    sizes.set(node, n);
    return n;
  };
  const total = size(doc.contents);
  if (total <= MAX_EXPANDED_VALUES) return;
  let worst: Alias | undefined;
  for (const alias of aliases.keys()) if (worst === undefined || size(alias) > size(worst)) worst = alias;
  if (worst === undefined) return;
  at(
    worst,
    `YAML alias \`*${worst.source}\` stands for ${count(size(worst))} values: the document's aliases expand it past the ${MAX_EXPANDED_VALUES.toLocaleString('en')} values a config may hold; write the values out, or repeat fewer`,
  );
}

/** A count as a reader takes it in: exact up to the limit, past it only that it is past it (an alias bomb's count has
 * dozens of digits). */
function count(n: number): string {
  return n > MAX_EXPANDED_VALUES ? `more than ${MAX_EXPANDED_VALUES.toLocaleString('en')}` : n.toLocaleString('en');
}
