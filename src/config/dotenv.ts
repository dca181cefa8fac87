// The `.env` beside the config file: read, never written, never copied into process.env (SPEC §1).
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../errors/user-error.ts';
import { invalidUtf8Lines, utf16Hint } from './encoding.ts';
import { exposureWarning } from './file-exposure.ts';

export interface Dotenv {
  path: string | null;
  values: Record<string, string>;
  /** Lines parseEnv would silently skip or misread, located (`.env:3: …`). */
  warnings: string[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=(.*)$/;

/** Finds lines that are not `NAME=value` and single-line values with an unclosed quote: parseEnv drops or keeps
 * them without a word, and a key that silently fails to load is exactly what this product exists to explain. */
export function lintDotenv(path: string, text: string): string[] {
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  // Lines inside a double-quoted value written over several lines belong to that value, not lines of their own.
  let continuedUntil = -1;
  lines.forEach((line, i) => {
    if (i <= continuedUntil) return;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      warnings.push(`${path}:${i + 1}: ignored: not a NAME=value line`);
      return;
    }
    const value = m[1]!.trim();
    const quote = value[0];
    if (quote !== '"' && quote !== "'" && quote !== '`') return;
    // Only double-quoted values may span lines; any other quote must close on its own line.
    if (value.slice(1).includes(quote)) return;
    const closing = quote === '"' ? lines.findIndex((l, j) => j > i && l.includes('"')) : -1;
    if (closing === -1) warnings.push(`${path}:${i + 1}: the value opens a ${quote} quote that is never closed`);
    else continuedUntil = closing;
  });
  return warnings;
}

/** A .env that is not UTF-8 is still read (a key elsewhere in it may be fine), but each value with bytes that
 * decode to U+FFFD is named by line: a key with a replacement character in it is silently not the key. */
export function encodingWarnings(path: string, bytes: Uint8Array): string[] {
  const utf16 = utf16Hint(bytes);
  if (utf16) return [`${path}: not UTF-8 text (${utf16}); its values cannot be read correctly: save it as UTF-8`];
  return invalidUtf8Lines(bytes).map((line) => `${path}:${line}: not valid UTF-8 (Latin-1 or another legacy encoding?): the invalid bytes read as U+FFFD (�), so this value is not what the file says; save the file as UTF-8`);
}

/** `plainFileOnly`: the .env beside a ./switchyard.yaml that is not trusted (local-env.ts) — it may have come with a
 * cloned repository, and a link there could point at the user's own files (another project's .env, a shell profile,
 * /proc/self/environ, which would hand over the whole environment the file is not allowed to read). */
export function readDotenv(dir: string, options: { plainFileOnly?: boolean } = {}): Dotenv {
  const path = join(dir, '.env');
  if (!existsSync(path)) return { path: null, values: {}, warnings: [] };
  if (options.plainFileOnly && !lstatSync(path).isFile()) {
    return { path: null, values: {}, warnings: [`${path} is a link or not a regular file, and the ./switchyard.yaml beside it is not trusted, so it is not read; \`switchyard config trust\` if both are yours`] };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const text = bytes.toString('utf8');
  const values: Record<string, string> = {};
  // parseEnv returns a plain object; copy own string values only (no prototype surprises).
  for (const [k, v] of Object.entries(parseEnv(text))) if (typeof v === 'string') values[k] = v;
  return { path, values, warnings: [...encodingWarnings(path, bytes), ...lintDotenv(path, text), ...exposureWarnings(path, values)] };
}

/** A `.env` holds keys (file-exposure.ts): one that other users of the machine can read (a shell's `echo … > .env`
 * makes it 0644) is warned about, unless it holds nothing at all. */
export function exposureWarnings(path: string, values: Readonly<Record<string, string>>): string[] {
  if (Object.keys(values).length === 0) return [];
  const warning = exposureWarning(path);
  return warning === undefined ? [] : [warning];
}

/**
 * The environment to re-read the config with, for a long-running process: without the variables it got from the
 * `.env` itself. Under systemd the unit's `EnvironmentFile=` is that `.env`, so the process starts with each of its
 * variables already set; as the environment wins over `.env`, an edit to the file (a rotated key) would never take
 * effect until a restart. A variable whose value at start was the file's value came from the file, and follows it.
 */
export function environmentForReloads(env: Readonly<Record<string, string | undefined>>, dotenvAtStart: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (cameFromDotenv(name, value, dotenvAtStart)) continue;
    out[name] = value;
  }
  return out;
}

/** The variables environmentForReloads leaves out: set in this process only as the .env's values at start. */
export function followedFromDotenv(env: Readonly<Record<string, string | undefined>>, dotenvAtStart: Readonly<Record<string, string>>): ReadonlySet<string> {
  return new Set(Object.entries(env).filter(([name, value]) => cameFromDotenv(name, value, dotenvAtStart)).map(([name]) => name));
}

function cameFromDotenv(name: string, value: string | undefined, dotenvAtStart: Readonly<Record<string, string>>): boolean {
  return Object.hasOwn(dotenvAtStart, name) && dotenvAtStart[name] === value;
}
