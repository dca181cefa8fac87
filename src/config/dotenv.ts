// The `.env` beside the config file: read, never written, never copied into process.env (docs/config.md).
import { existsSync, lstatSync } from 'node:fs';
import { readConfigFile } from './read-file.ts';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../user-error.ts';
import { invalidUtf8Lines, utf16Hint } from './encoding.ts';
import { exposureWarning } from './file-exposure.ts';

export interface Dotenv {
  path: string | null;
  values: Record<string, string>;
  /** Lines parseEnv would silently skip or misread, located (`.env:3: …`). */
  warnings: string[];
  /** The line (1-based) of the assignment each value comes from, for messages about a value (`from ${T} in .env:3`). */
  lines: Record<string, number>;
}

/** An empty .env: none beside the config, or none to be read. */
export function noDotenv(warnings: string[] = []): Dotenv {
  return { path: null, values: {}, warnings, lines: {} };
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=(.*)$/;

/** What reading a .env's text finds beyond parseEnv's values. */
export interface DotenvScan {
  warnings: string[];
  /** Lines (0-based) that are not read: a value that opens a quote it never closes. */
  ignored: Set<number>;
  /** NAME → the line (1-based) of its last assignment, the one parseEnv keeps. */
  lines: Record<string, number>;
}

/** Finds the lines parseEnv would drop silently (not `NAME=value`) or misread (an unclosed quote kept in the key):
 * they are ignored and warned about, since a key that silently fails to load is what we exist to explain. */
export function scanDotenv(path: string, text: string): DotenvScan {
  const scan: DotenvScan = { warnings: [], ignored: new Set(), lines: {} };
  const lines = text.split(/\r?\n/);
  // Each name's value as written (never shown): only to say whether a second assignment changes it.
  const values = new Map<string, string>();
  // Lines inside a double-quoted value written over several lines belong to that value, not lines of their own.
  let continuedUntil = -1;
  lines.forEach((line, i) => {
    if (i <= continuedUntil) return;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      scan.warnings.push(`${path}:${i + 1}: ignored: not a NAME=value line`);
      return;
    }
    const name = m[1]!;
    const value = m[2]!.trim();
    const quote = value[0];
    // Only double-quoted values may span lines; any other quote must close on its own line.
    const closing = quote === '"' || quote === "'" || quote === '`' ? closingLine(lines, i, quote, value) : i;
    if (closing === -1) {
      scan.warnings.push(
        `${path}:${i + 1}: ignored: the value of ${name} opens a ${quote} quote that is never closed (add the closing ${quote})`,
      );
      scan.ignored.add(i);
      return;
    }
    const earlier = scan.lines[name];
    if (earlier !== undefined) scan.warnings.push(twiceWarning(path, name, earlier, i + 1, values.get(name) !== value));
    scan.lines[name] = i + 1;
    values.set(name, value);
    continuedUntil = closing;
  });
  return scan;
}

/** A variable assigned twice: the last one is read, here as by systemd's EnvironmentFile= — but an edit to the first
 * (the one a reader finds first) would silently do nothing. */
function twiceWarning(path: string, name: string, first: number, again: number, differs: boolean): string {
  const what = differs ? 'a different value' : 'the same value';
  return `${path}:${again}: ${name} is set again (first at line ${first}, with ${what}); the last one is used, here as under systemd — remove the line that is not meant`;
}

/** The line a quoted value starting on line `i` ends on, or -1 when it never does. */
function closingLine(lines: readonly string[], i: number, quote: string, value: string): number {
  if (value.slice(1).includes(quote)) return i;
  return quote === '"' ? lines.findIndex((l, j) => j > i && l.includes('"')) : -1;
}

/** The text with the ignored lines emptied (their line breaks kept), for parseEnv. */
function withoutLines(text: string, ignored: ReadonlySet<number>): string {
  if (ignored.size === 0) return text;
  // Split keeping each line break, so that \r\n inside a multi-line value stays as written.
  const parts = text.split(/(\r?\n)/);
  return parts.map((part, k) => (k % 2 === 0 && ignored.has(k / 2) ? '' : part)).join('');
}

/** A .env that is not UTF-8 is still read (a key elsewhere in it may be fine), but each value with bytes that
 * decode to U+FFFD is named by line: a key with a replacement character in it is silently not the key. */
export function encodingWarnings(path: string, bytes: Uint8Array): string[] {
  const utf16 = utf16Hint(bytes);
  if (utf16) return [`${path}: not UTF-8 text (${utf16}); its values cannot be read correctly: save it as UTF-8`];
  return invalidUtf8Lines(bytes).map(
    (line) =>
      `${path}:${line}: not valid UTF-8 (Latin-1 or another legacy encoding?): the invalid bytes read as U+FFFD (�), so this value is not what the file says; save the file as UTF-8`,
  );
}

/** `plainFileOnly`: beside an untrusted ./switchyard.yaml, a link could point at the user's own files (another .env,
 * /proc/self/environ), so only a regular file is read. */
export function readDotenv(dir: string, options: { plainFileOnly?: boolean } = {}): Dotenv {
  const path = join(dir, '.env');
  if (!existsSync(path)) return noDotenv();
  if (options.plainFileOnly && !lstatSync(path).isFile()) {
    return noDotenv([
      `${path} is a link or not a regular file, and the ./switchyard.yaml beside it is not trusted, so it is not read; \`switchyard config trust\` if both are yours`,
    ]);
  }
  const read = readConfigFile(path);
  if (!read.ok) throw new UserError(`cannot read ${path}: ${read.why}`);
  const bytes = read.bytes;
  const text = bytes.toString('utf8');
  const scan = scanDotenv(path, text);
  const values: Record<string, string> = {};
  // parseEnv returns a plain object; copy own string values only (no prototype surprises).
  for (const [k, v] of Object.entries(parseEnv(withoutLines(text, scan.ignored))))
    if (typeof v === 'string') values[k] = v;
  return {
    path,
    values,
    warnings: [...encodingWarnings(path, bytes), ...scan.warnings, ...exposureWarnings(path, values)],
    lines: scan.lines,
  };
}

/** A `.env` holds keys (file-exposure.ts): one that other users of the machine can read (a shell's `echo … > .env`
 * makes it 0644) is warned about, unless it holds nothing at all. */
export function exposureWarnings(path: string, values: Readonly<Record<string, string>>): string[] {
  if (Object.keys(values).length === 0) return [];
  const warning = exposureWarning(path);
  return warning === undefined ? [] : [warning];
}

/** The environment to re-read the config with: without the variables systemd's EnvironmentFile= took from the .env,
 * which would otherwise win over every later edit of it (docs/systemd.md#running-under-systemd). */
export function environmentForReloads(
  env: Readonly<Record<string, string | undefined>>,
  dotenvAtStart: Readonly<Record<string, string>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (cameFromDotenv(name, value, dotenvAtStart)) continue;
    out[name] = value;
  }
  return out;
}

/** The variables environmentForReloads leaves out: set in this process only as the .env's values at start. */
export function followedFromDotenv(
  env: Readonly<Record<string, string | undefined>>,
  dotenvAtStart: Readonly<Record<string, string>>,
): ReadonlySet<string> {
  return new Set(
    Object.entries(env)
      .filter(([name, value]) => cameFromDotenv(name, value, dotenvAtStart))
      .map(([name]) => name),
  );
}

function cameFromDotenv(
  name: string,
  value: string | undefined,
  dotenvAtStart: Readonly<Record<string, string>>,
): boolean {
  return Object.hasOwn(dotenvAtStart, name) && dotenvAtStart[name] === value;
}
