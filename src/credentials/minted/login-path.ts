// Where `switchyard auth login SERVER` keeps a server's login: its own file, so the minted source (spec.ts) can name
// it without reading it (login-file.ts reads and writes it).
import { join } from 'node:path';

/** `STATE_HOME/mcp-logins/SERVER.json` (server names are letters, digits, - and _). */
export function loginPath(home: string, server: string): string {
  return join(home, 'mcp-logins', `${server}.json`);
}
