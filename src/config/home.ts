import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { keepPathsUnder } from '../log.ts';

/** Where state lives: $SWITCHYARD_HOME, else $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard. */
export function stateHome(env: Record<string, string | undefined> = process.env): string {
  const home = homeFrom(env);
  // Messages name files there (state.db, the trust list): ours, whatever their names look like.
  keepPathsUnder(resolve(home));
  return home;
}

function homeFrom(env: Record<string, string | undefined>): string {
  const own = env['SWITCHYARD_HOME'];
  if (own) return own;
  const xdg = env['XDG_STATE_HOME'];
  if (xdg) return join(xdg, 'switchyard');
  return join(env['HOME'] || homedir(), '.local', 'state', 'switchyard');
}
