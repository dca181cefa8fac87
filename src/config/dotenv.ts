// The `.env` beside the config file: read, never written, never copied into process.env (SPEC §1).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../errors/user-error.ts';

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
  lines.forEach((line, i) => {
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
    const closes = value.slice(1).includes(quote) || (quote === '"' && lines.slice(i + 1).some((l) => l.includes('"')));
    if (!closes) warnings.push(`${path}:${i + 1}: the value opens a ${quote} quote that is never closed`);
  });
  return warnings;
}

export function readDotenv(dir: string): Dotenv {
  const path = join(dir, '.env');
  if (!existsSync(path)) return { path: null, values: {}, warnings: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const values: Record<string, string> = {};
  // parseEnv returns a plain object; copy own string values only (no prototype surprises).
  for (const [k, v] of Object.entries(parseEnv(text))) if (typeof v === 'string') values[k] = v;
  return { path, values, warnings: lintDotenv(path, text) };
}
