// `config check --json`: one object for scripts and CI, every file's verdict in it, the exit code as without --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('config check --json: ok with providers, main and warnings; a bad file with its located error; exit 2 if any is bad', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const good = ws.write(
    'good.yaml',
    'providers:\n  mimo: { type: openai, base_url: http://127.0.0.1:9/v1 }\nmain: { provider: mimo, model: m }\n',
  );
  const bad = ws.write(
    'bad.yaml',
    'providers:\n  mimo: { type: openai, base_url: http://127.0.0.1:9/v1, fallback_chian: [] }\n',
  );
  const env = { HOME: ws.dir, SWITCHYARD_HOME: ws.home };

  const one = await runCliInProcess(['config', 'check', '--json', '--config', good], { env });
  assert.equal(one.code, 0, one.stderr);
  const ok = JSON.parse(one.stdout) as {
    ok: boolean;
    files: { path: string; ok: boolean; providers: string[]; main: string; warnings: string[] }[];
  };
  assert.equal(ok.ok, true);
  assert.equal(ok.files.length, 1);
  assert.equal(ok.files[0]!.path, good);
  assert.deepEqual(ok.files[0]!.providers, ['mimo']);
  assert.equal(ok.files[0]!.main, 'mimo/m');
  assert.ok(
    ok.files[0]!.warnings.some((w) => w.includes('MIMO_API_KEY')),
    'the keyless provider is said, as without --json',
  );

  const both = await runCliInProcess(['config', 'check', '--json', good, bad], { env });
  assert.equal(both.code, 2);
  const out = JSON.parse(both.stdout) as { ok: boolean; files: { path: string; ok: boolean; error?: string }[] };
  assert.equal(out.ok, false);
  assert.deepEqual(
    out.files.map((f) => [f.path, f.ok]),
    [
      [good, true],
      [bad, false],
    ],
  );
  assert.match(out.files[1]!.error ?? '', /bad\.yaml:2:\d+/);
  assert.match(both.stderr, /bad\.yaml:2/, 'the error is on stderr as well');

  const none = await runCliInProcess(['config', 'check', '--json'], { env, cwd: ws.home });
  assert.equal(none.code, 2);
  const missing = JSON.parse(none.stdout) as { ok: boolean; files: { path: null; ok: boolean; error: string }[] };
  assert.deepEqual(
    missing.files.map((f) => [f.path, f.ok]),
    [[null, false]],
  );
  assert.match(
    missing.files[0]!.error,
    new RegExp(`^no config file found — looked in ${join(ws.home, 'switchyard.yaml')}`),
  );
});
