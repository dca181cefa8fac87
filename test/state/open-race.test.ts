// Several processes opening a brand-new state file, in a state directory that does not exist yet, at the same moment
// (the gateway starting while `switchyard gateway keys create` runs, on a machine's first use) all succeed. Two
// races used to fail one of them: creating the directory (EEXIST, every run), and switching the new file to WAL, a
// lock SQLite does not wait for by itself ("database is locked", now and then).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempWorkspace } from '../helpers/tmp.ts';

const ROUNDS = Number(process.env['OPEN_RACE_ROUNDS'] ?? 4);
const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'open-race-worker.ts');

function open(home: string, at: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WORKER, home, String(at)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve(code === 0 ? undefined : `exit ${code}: ${err}`));
  });
}

test('processes opening a new state file in a new directory at the same instant all succeed', async () => {
  const failures: string[] = [];
  // Before the fixes, every run failed (the directory), and about one run in three also on the WAL switch (~5% of
  // opens in a tighter loop); since, none has.
  for (let round = 0; round < ROUNDS; round++) {
    using ws = tempWorkspace('switchyard-open-race-');
    // Far enough ahead that every process has loaded and is waiting for it.
    const at = Date.now() + 1_500;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => open(join(ws.dir, 'new-home', 'switchyard'), at)),
    );
    failures.push(...results.filter((r): r is string => r !== undefined));
  }
  assert.deepEqual(failures, []);
});
