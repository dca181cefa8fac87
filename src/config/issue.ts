// One located problem in a config file, and how a list of them becomes the UserError the user sees.
import { UserError } from '../user-error.ts';

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  /** Dotted key path (`providers.mimo.timeout`, `fallback[1].provider`); empty for the whole document. */
  path: string;
  /** What is wrong and what was expected, ending with any "did you mean" hint. */
  message: string;
  /** A problem the YAML parse found: a syntax error (past the first, mostly echoes of it), or a key written twice in
   * one mapping (the document is still read). */
  yaml?: 'syntax' | 'duplicate_key';
}

/** How many issues are listed before "… and N more": enough to fix a batch, not a wall of text. */
const MAX_LISTED = 20;

/** `providers.mimo.api_keys[1]` from `['providers', 'mimo', 'api_keys', 1]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** The path as written in the file: list entries dropped for unset variables shift the resolved indices. */
export function originalPath(path: ConfigPath, kept: ReadonlyMap<string, readonly number[]>): ConfigPath {
  const out: (string | number)[] = [];
  for (const seg of path) {
    if (typeof seg === 'number') {
      const map = kept.get(formatPath(out));
      out.push(map?.[seg] ?? seg);
    } else out.push(seg);
  }
  return out;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Sorted by position so the list reads top to bottom like the file. `what` names the document (`config`,
 * `scenario`). */
export function issuesError(file: string, issues: ConfigIssue[], what = 'config'): UserError {
  const sorted = [...issues].sort((a, b) => a.line - b.line || a.col - b.col);
  if (sorted.length === 1) return new UserError(`invalid ${what}: ${formatIssue(sorted[0]!)}`);
  const listed = sorted.slice(0, MAX_LISTED).map(formatIssue);
  if (sorted.length > MAX_LISTED) listed.push(`… and ${sorted.length - MAX_LISTED} more`);
  return new UserError(`invalid ${what} ${file}: ${sorted.length} problems`, { details: listed });
}
