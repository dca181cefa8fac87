// A command whose write to the state failed exits non-zero, on a real full disk (a small tmpfs, filled): `auth reset`
// says the reset was not saved, and `auth test --record`, whose health records are written as it closes, says how many
// changes were not saved. Skipped, saying why, where a tmpfs cannot be mounted (not root, no mount).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSimulator } from '../../src/sim/server.ts';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const BAD = 'sk-sim-full-disk-bad-00001';
const GOOD = 'sk-sim-full-disk-good-0001';

function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
}

/** Leaves `room` bytes free: enough for SQLite to open the file, not to write to it. */
function fill(dir: string, room: number): string {
  const s = statfsSync(dir);
  const path = join(dir, 'filler');
  writeFileSync(path, Buffer.alloc(Math.max(0, s.bavail * s.bsize - room)));
  return path;
}

test('on a full disk, auth reset and auth test --record exit 1 and say what was not saved', async (t) => {
  await using sim = await startSimulator({
    scenario: { models: { 'sim-large': {} }, keys: { [BAD]: { valid: false }, [GOOD]: {} } },
  });
  using ws = tempWorkspace('switchyard-full-disk-cli-');
  const cannot = mountTmpfs(ws.home, '1m');
  if (cannot !== undefined) return void t.skip(`cannot mount a tmpfs here (${cannot})`);
  using _mount = { [Symbol.dispose]: () => execFileSync('umount', ['--lazy', ws.home]) };
  const config = ws.write(
    'switchyard.yaml',
    stringify({
      providers: {
        bad: { type: 'openai', base_url: `${sim.url}/v1`, api_key: BAD },
        good: { type: 'openai', base_url: `${sim.url}/v1`, api_key: GOOD, models: { 'sim-large': {} } },
      },
      main: { provider: 'bad', model: 'sim-large' },
    }),
  );
  const env = { SWITCHYARD_HOME: ws.home };
  // The bad key is rejected once, so a reset has something to write.
  await runCliInProcess(['chat', '-m', 'hi', '--config', config], { env, cwd: ws.dir });
  const filler = fill(ws.home, 40 * 1024);

  const reset = await runCli(['auth', 'reset', 'bad', '--config', config], { env, cwd: ws.dir });
  assert.equal(reset.code, 1, reset.stderr);
  assert.match(reset.stderr, /the reset of bad was not saved: .*state\.db could not be written \(disk full/);

  const probe = await runCli(['auth', 'test', 'good', '--record', '--config', config], { env, cwd: ws.dir });
  assert.equal(probe.code, 1, probe.stdout + probe.stderr);
  assert.match(probe.stderr, /\d+ changes? to the state (was|were) not saved: .*state\.db could not be written/);

  rmSync(filler);
  const again = await runCli(['auth', 'reset', 'bad', '--config', config], { env, cwd: ws.dir });
  assert.equal(again.code, 0, again.stderr);
});
