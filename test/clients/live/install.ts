// The real clients `npm run test:clients` drives, at pinned versions, installed from the npm registry into
// .tools/clients/ (git ignores .tools/): nothing goes into the project's own node_modules. Reinstalled only when
// this table changes. Bump a version here, run `npm run test:clients -- --record`, and commit the new fixtures.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PINNED: Readonly<Record<string, string>> = {
  '@anthropic-ai/claude-code': '2.1.331',
  '@openai/codex': '0.169.0',
  'opencode-ai': '1.18.33',
  ai: '7.0.173',
  '@ai-sdk/openai': '4.0.118',
  '@ai-sdk/anthropic': '4.0.105',
  '@ai-sdk/openai-compatible': '3.0.92',
  '@langchain/openai': '1.6.0',
  '@langchain/anthropic': '1.5.11',
  '@langchain/core': '1.4.0',
  '@openai/agents': '0.20.0',
  openai: '7.57.0',
  '@anthropic-ai/sdk': '1.12.0',
  zod: '4.6.7',
};

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const CACHE = join(ROOT, '.tools', 'clients');

/** Installs PINNED into CACHE unless it is there already; copies the drivers beside it (they import from it). */
export function installClients(log: (line: string) => void): void {
  mkdirSync(CACHE, { recursive: true });
  const stamp = join(CACHE, 'node_modules', '.pinned.json');
  const wanted = JSON.stringify(PINNED);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    log(`installing ${Object.keys(PINNED).length} packages into ${CACHE} …`);
    writeFileSync(
      join(CACHE, 'package.json'),
      `${JSON.stringify({ name: 'switchyard-client-matrix', private: true, type: 'module', dependencies: PINNED }, null, 2)}\n`,
    );
    // With their install scripts, as users install them: OpenCode's puts its platform binary in place.
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: CACHE,
      stdio: 'inherit',
    });
    if (r.status !== 0)
      throw new Error(`npm install in ${CACHE} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
    writeFileSync(stamp, wanted);
  }
  cpSync(join(import.meta.dirname, 'drivers'), join(CACHE, 'drivers'), { recursive: true });
}

export function bin(name: string): string {
  return join(CACHE, 'node_modules', '.bin', name);
}
