// `api_key_file`: the key is the file's content, trimmed (Docker and Kubernetes secrets end with a newline). Read at
// use; the minter (minter.ts) checks in the background whether the file changed (a rotated secret is a new file, or
// the same one rewritten) and reads it again when it did, or at once after a 401.
import { readFile, stat } from 'node:fs/promises';
import type { FileSpec } from './spec.ts';
import { MintError } from './mint-error.ts';
import { parseTokenOutput, type ParsedToken } from './output.ts';

/** What tells one version of the file from the next. */
export async function fileVersion(spec: FileSpec): Promise<string | undefined> {
  try {
    const s = await stat(spec.path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

export async function readKeyFile(spec: FileSpec, source: string, now: number): Promise<ParsedToken> {
  let text: string;
  try {
    text = await readFile(spec.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'it cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'it is a directory'
            : `it cannot be read (${code ?? String(err)})`;
    throw new MintError(source, 'read', why);
  }
  const parsed = parseTokenOutput(text, now);
  if (!parsed.ok) throw new MintError(source, 'format', parsed.why.replace(/^it printed/, 'it holds'));
  return parsed.value;
}
