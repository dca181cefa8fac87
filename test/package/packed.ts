// `npm pack` of this repository into a directory (which builds dist/ first): the tarball a user installs, for the
// tests of the package as consumers get it. Leaves the repository's dist/ as it found it (see removeBuild).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUNG_BUILD_MS } from '../helpers/until.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  // A bound only against a hang: a build (tsc, the UI) on a machine running other suites took past 15 minutes.
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: HUNG_BUILD_MS });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface Packed {
  /** The tarball's path. */
  tarball: string;
  /** Every path in it, as npm lists them (`package.json`, `dist/index.js`, …). */
  files: string[];
  /** Removes the dist/ the pack built, unless one was there before. */
  removeBuild(): void;
}

export function packInto(dir: string): Packed {
  const distExisted = existsSync(join(ROOT, 'dist'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as {
    filename: string;
    files: { path: string }[];
  }[];
  return {
    tarball: join(dir, packed[0]!.filename),
    files: packed[0]!.files.map((f) => f.path),
    removeBuild: () => {
      if (!distExisted) rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
    },
  };
}
