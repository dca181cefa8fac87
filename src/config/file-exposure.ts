// A file holding keys that other users of the machine can read: the `.env` beside the config, or the config file
// itself with a key written in it. Said once at each load wherever the config's warnings are shown, with the command
// that fixes it, as ssh does for a private key; one sentence for both, so a user meets the same words for each.
import { statSync } from 'node:fs';

/** The warning for `path` when its mode lets group or others at it (undefined when only its owner can, when it
 * cannot be read, or on Windows, whose modes say nothing of this). `keys` names the keys it holds, when known. */
export function exposureWarning(path: string, keys: readonly string[] = []): string | undefined {
  if (process.platform === 'win32') return undefined;
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const which = keys.length > 0 ? ` (${keyList(keys)})` : '';
  return `${path} can be read by other users of this machine (mode ${mode.toString(8).padStart(4, '0')}) and it holds keys${which}: chmod 600 ${path}`;
}

const LISTED = 3;

/** `a, b, c and 2 more`: enough to find them in the file without a line as long as the config. */
function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, LISTED).join(', ');
  return keys.length > LISTED ? `${shown} and ${keys.length - LISTED} more` : shown;
}
