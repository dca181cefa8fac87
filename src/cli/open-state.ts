// Opening the state store for a CLI command. A state directory that is a file, unwritable, or a state.db that is
// not a database is the user's environment, not our bug: say which file and how to point elsewhere, instead of
// "internal error: file is not a database". The store opened is said on stderr (run.ts: what is in effect).
import { UserError } from '../user-error.ts';
import { openStore, statePath, type OpenStoreOptions } from '../state/open.ts';
import type { StateStore } from '../state/types.ts';
import type { CliRun } from './run.ts';
import { noteStore } from './context.ts';

/** The store `options` names, its warnings (Redis unreachable, …) on the run's stderr unless `options.warn` says. */
export async function openCliStore(cli: CliRun, options: OpenStoreOptions): Promise<StateStore> {
  let store: StateStore;
  try {
    store = openStore({ warn: (m) => cli.stderr.write(`warning: ${m}\n`), ...options });
  } catch (err) {
    if (UserError.isInstance(err)) throw err;
    const kind = options.kind ?? 'sqlite';
    if (kind !== 'sqlite') throw err;
    const path = statePath(options);
    const why = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot open the state store ${path}: ${why}`, {
      exitCode: 1,
      kind: 'state',
      details: [
        'its directory is $SWITCHYARD_HOME (else $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard); point it at a writable directory, or move the broken file away',
      ],
      cause: err,
    });
  }
  // Said before Redis is waited for: its "unreachable" warning then follows the line naming it.
  noteStore(cli, store, options.env ?? cli.env);
  // Shared state (Redis) is read before the command looks at it; unreachable, it warns and goes on locally.
  await store.ready();
  return store;
}

/** `/home/me/.local/state/switchyard/state.db`, or `Redis at redis://host:6379/0` (password masked). */
export function storeName(store: Pick<StateStore, 'kind' | 'location'>): string {
  return store.kind === 'redis' ? `Redis at ${store.location}` : store.location;
}

/** Closes the store of a command that writes state. What it could not write by then (a full disk, Redis down) is
 * lost with the process, so the command did not do what it said: it says how much, and exits 1. */
export async function closeCliStore(cli: CliRun, store: StateStore): Promise<void> {
  await store.flush().catch(() => {});
  const status = store.status();
  const unsaved = status.pendingWrites ?? 0;
  await store.close();
  if (unsaved === 0) return;
  cli.stderr.write(
    `switchyard: ${unsaved} change${unsaved === 1 ? '' : 's'} to the state ${unsaved === 1 ? 'was' : 'were'} not saved: ` +
      `${storeName(store)} could not be written${status.lastError ? ` (${status.lastError})` : ''}\n`,
  );
  if (cli.exitCode === 0) cli.exitCode = 1;
}
