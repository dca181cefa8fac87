// Lines of the .env that systemd's EnvironmentFile= reads differently from Node's parseEnv: a service would get
// another key than the shell, and nothing in the file shows it (docs/systemd.md#running-under-systemd).
import { existsSync, readFileSync } from 'node:fs';
import { scanDotenv } from './dotenv.ts';

const ASSIGNMENT = /^\s*(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/;

const SYSTEMD = "systemd's EnvironmentFile=";

/** Why systemd would read this value differently, or undefined. `value` is the text after `=`, trimmed. */
function valueDifference(value: string, name: string): string | undefined {
  const differs = `so a service would see a different ${name}`;
  const quote = value[0];
  if (quote === '`')
    return `${SYSTEMD} does not treat backticks as quotes: they stay in the value, ${differs}; use double or single quotes`;
  if (quote === '"' || quote === "'") {
    const close = value.indexOf(quote, 1);
    // Unclosed on this line: a multi-line double-quoted value (read alike) or a quote never closed (the caller says).
    if (close === -1) return undefined;
    // First: `"a\"b"` is one value to systemd, but Switchyard's reading ends at the escaped quote.
    if (quote === '"' && value.slice(1, close).includes('\\'))
      return `${SYSTEMD} and Switchyard read backslash escapes in double quotes differently, ${differs}; use single quotes (no escapes in either)`;
    if (value.slice(close + 1).trim() !== '')
      return `${SYSTEMD} keeps the text after the closing quote in the value (Switchyard drops it), ${differs}; put a comment on a line of its own`;
    return undefined;
  }
  if (value.includes('#'))
    return `${SYSTEMD} has no inline comments: it keeps the text from \`#\` on in the value, while Switchyard stops before it, ${differs}; put the comment on a line of its own`;
  if (value.includes('\\'))
    return `${SYSTEMD} removes a backslash from an unquoted value (one at the end of the line joins the next line) while Switchyard keeps it, ${differs}; put the value in single quotes`;
  return undefined;
}

/** A value whose quote is never closed: Switchyard ignores the line, systemd does not. */
function unclosedDifference(quote: string, name: string): string {
  return `Switchyard ignores this line (its ${quote} quote is never closed), but ${SYSTEMD} reads on to the next ${quote} or the end of the file, taking the lines after it into the value, so a service would have ${name} where this shell has none; close the quote`;
}

/** One warning per line that systemd's EnvironmentFile= reads differently, naming the line. Values never appear. */
export function systemdDifferences(path: string, text: string): string[] {
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  // Lines Switchyard ignores for a quote they never close (dotenv.ts); systemd reads on to the next such quote.
  const unclosed = scanDotenv(path, text).ignored;
  let inQuoted = false;
  lines.forEach((line, i) => {
    if (inQuoted) {
      // The rest of a multi-line double-quoted value: both read it as part of the value.
      if (line.includes('"')) inQuoted = false;
      return;
    }
    const m = ASSIGNMENT.exec(line);
    if (!m) return;
    const [, exported, name = '', value = ''] = m;
    const at = `${path}:${i + 1}: ${name}`;
    if (exported) {
      warnings.push(
        `${at}: ${SYSTEMD} does not accept "export " and skips this line, so a service would not have ${name} at all; remove "export "`,
      );
      return;
    }
    if (value.startsWith('"') && value.indexOf('"', 1) === -1) inQuoted = true;
    // Backticks are no quotes to systemd at all: valueDifference says so.
    const why =
      unclosed.has(i) && value[0] !== '`' ? unclosedDifference(value[0]!, name) : valueDifference(value, name);
    if (why) warnings.push(`${at}: ${why}`);
  });
  return warnings;
}

/** The .env at `path` (if there is one), checked as systemd would read it. */
export function systemdDotenvWarnings(path: string | null): string[] {
  if (path === null || !existsSync(path)) return [];
  try {
    return systemdDifferences(path, readFileSync(path, 'utf8'));
  } catch {
    // Unreadable: the config loader has said so already.
    return [];
  }
}
