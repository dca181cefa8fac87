// Hot reload: watches the config file and its `.env` and hands over the reloaded config, or the UserError saying why
// the new one is bad (docs/config.md#hot-reload-library).
import { watch, type FSWatcher } from 'node:fs';
import { readConfigFile } from './read-file.ts';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../user-error.ts';
import type { LoadOptions } from './load.ts';
import { loadConfigOffThread } from './load-off-thread.ts';
import type { LoadedConfig } from './types.ts';

/** Editors save in bursts (truncate + write, or write temp + rename); one reload per burst. */
const DEBOUNCE_MS = 100;

/** A Kubernetes ConfigMap or Secret volume updates by renaming a new `..data` symlink over the old one: the files
 * are links through it, so no event names them. */
const SWAPPED_LINK = '..data';

/** What the files hold now; a file that cannot be read (gone, a FIFO, too large) stands as why, so that becoming
 * one is a change the reload then reports. */
function snapshot(files: string[]): string {
  return files
    .map((f) => {
      const read = readConfigFile(f);
      return read.ok ? read.bytes.toString('latin1') : `\u0000${read.why}`;
    })
    .join('\u0000');
}

function asUserError(err: unknown): UserError {
  if (UserError.isInstance(err)) return err;
  return new UserError(`cannot reload config: ${err instanceof Error ? err.message : String(err)}`);
}

export interface WatchOptions {
  /** How the config is loaded again: by default on a worker thread (load-off-thread.ts), so that a large config does
   * not hold up the process meanwhile. The gateway passes one that queues behind its other reloads (SIGHUP). */
  load?: (options: LoadOptions) => Promise<LoadedConfig>;
}

/** Calls `onChange` when the config file or its `.env` changes content. Watches the directory, so editors that replace
 * the file, a `.env` created later and a ConfigMap's swap of `..data` are noticed. Returns a function that stops
 * watching. */
export function watchConfig(
  loaded: LoadedConfig,
  onChange: (next: LoadedConfig | UserError) => void,
  options: WatchOptions = {},
): () => void {
  if (loaded.path === null) return () => {};
  const load = options.load ?? loadConfigOffThread;
  const configPath = loaded.path;
  const dir = dirname(configPath);
  const names = new Set([basename(configPath), '.env', SWAPPED_LINK]);
  const files = [configPath, join(dir, '.env')];
  let last = snapshot(files);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let loading = false;
  let changedMeanwhile = false;

  const reload = (): void => {
    timer = undefined;
    if (stopped) return;
    if (loading) {
      changedMeanwhile = true;
      return;
    }
    const now = snapshot(files);
    // Metadata-only events (touch, chmod) and identical rewrites are not changes.
    if (now === last) return;
    last = now;
    loading = true;
    // A ./switchyard.yaml found in the current directory stays that when re-read by path: an edit (a `git pull`)
    // must not turn it into a named config that reads the whole environment (local-env.ts, host-binding.ts).
    void load({
      configPath,
      reread: true,
      env: { ...loaded.env },
      cwd: dir,
      allowMissing: false,
      ...(loaded.localConfig ? { local: true } : {}),
    })
      .then((next): LoadedConfig | UserError => next, asUserError)
      .then((next) => {
        loading = false;
        if (!stopped) onChange(next);
        if (changedMeanwhile) {
          changedMeanwhile = false;
          reload();
        }
      });
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name !== null && !names.has(String(name))) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, DEBOUNCE_MS);
      timer.unref();
    });
  } catch (err) {
    throw new UserError(
      `cannot watch ${dir} for config changes: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  // A watcher error (directory removed) must not crash the gateway; the last good config stays in use.
  watcher.on('error', () => {});
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
