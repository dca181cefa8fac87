// The `.env` beside the config file: read, never written, never copied into process.env (SPEC §1).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { UserError } from '../errors/user-error.ts';

export interface Dotenv {
  path: string | null;
  values: Record<string, string>;
}

export function readDotenv(dir: string): Dotenv {
  const path = join(dir, '.env');
  if (!existsSync(path)) return { path: null, values: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const values: Record<string, string> = {};
  // parseEnv returns a plain object; copy own string values only (no prototype surprises).
  for (const [k, v] of Object.entries(parseEnv(text))) if (typeof v === 'string') values[k] = v;
  return { path, values };
}
