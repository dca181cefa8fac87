// Temp directories for tests: real files, removed when the test is done.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, dirname } from 'node:path';

export interface TempWorkspace extends Disposable {
  dir: string;
  home: string;
  /** Writes a file under `dir` (creating its folders) and returns its path. */
  write(rel: string, text: string): string;
  cleanup(): void;
}

/** A temp directory with a `home/` for SWITCHYARD_HOME; removed by `cleanup()`, or at the end of the scope of
 * `using ws = tempWorkspace()`. */
export function tempWorkspace(prefix = 'switchyard-test-'): TempWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return {
    dir,
    home,
    write(rel, text) {
      const p = join(dir, rel);
      mkdirSync(dirname(p), { recursive: true });
      // A .env, and a config with a key written in it, hold keys: written as a careful user writes them (a readable
      // one is warned about; tests of that chmod it and say so).
      writeFileSync(p, text, holdsKeys(p) ? { mode: 0o600 } : {});
      return p;
    },
    cleanup,
    [Symbol.dispose]: cleanup,
  };
  function cleanup(): void {
    rmSync(dir, { recursive: true, force: true });
  }
}

function holdsKeys(path: string): boolean {
  return basename(path) === '.env' || ['.yaml', '.yml'].includes(extname(path));
}
