// The live tier inside `./dev test`: where the real clients are installed at their pinned versions
// (`.tools/clients`, by `npm run test:clients`), the README's test command drives them too, so "works with Claude
// Code, Codex, …" is checked by the same command as everything else. A fresh clone has none and skips, saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, PINNED } from './live/install.ts';

const RUN = join(import.meta.dirname, 'live', 'run.ts');
// The whole table: each case is bounded by run.ts itself (two minutes); this only stops a wedged run.
const WHOLE_RUN_MS = 45 * 60_000;

/** Why the tier cannot run here, or undefined when the pinned clients are installed. */
function notInstalled(): string | undefined {
  const stamp = join(CACHE, 'node_modules', '.pinned.json');
  if (!existsSync(stamp))
    return 'the real clients are not installed (`./dev npm run test:clients` installs them into .tools/clients and runs this tier)';
  if (readFileSync(stamp, 'utf8') !== JSON.stringify(PINNED))
    return 'the clients in .tools/clients are not the pinned versions (`./dev npm run test:clients` reinstalls them)';
  return undefined;
}

/** The run's exit code, its table (stdout) and everything it wrote (with its progress on stderr). */
function runTier(): Promise<{ code: number | null; table: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN], { stdio: ['ignore', 'pipe', 'pipe'] });
    let table = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => ((table += d.toString()), (output += d.toString())));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), WHOLE_RUN_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, table, output });
    });
  });
}

const skip = notInstalled();

test(
  'the installed real clients pass every case of the live tier',
  { skip, timeout: WHOLE_RUN_MS + 60_000 },
  async (t) => {
    const { code, table, output } = await runTier();
    assert.equal(code, 0, `npm run test:clients failed; its table:\n${output.slice(-20_000)}`);
    // The suite's output says which versions and cases passed, not only that they did.
    t.diagnostic(table.trimEnd());
  },
);
