// `gateway keys create --guard MODE`: the mode is stored with the key and shown by `keys list`; a mode that does not
// exist is refused saying which ones do, before any key is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('keys create --guard stores the mode with the key, and an unknown mode is refused', async () => {
  const ws = tempWorkspace('switchyard-keys-guard-');
  try {
    const configPath = ws.write('switchyard.yaml', stringify({ guard: { secrets: 'log' } }));
    const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg'), HOME: ws.dir };
    const run = (...args: string[]) => runCliInProcess(['gateway', 'keys', ...args, '--config', configPath], { env });

    const created = await run('create', 'agent', '--guard', 'block', '--json');
    assert.equal(created.code, 0, created.stderr);
    assert.equal((JSON.parse(created.stdout) as { guard: unknown }).guard, 'block');
    const listed = JSON.parse((await run('list', '--json')).stdout) as { name: string; guard: unknown }[];
    assert.equal(listed.find((k) => k.name === 'agent')?.guard, 'block');
    assert.match((await run('list')).stdout, /agent .*active, guard block/);

    const wrong = await run('create', 'other', '--guard', 'scrub');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--guard: expected one of redact, block, log, off, got "scrub"/);
    const after = JSON.parse((await run('list', '--json')).stdout) as { name: string }[];
    assert.ok(!after.some((k) => k.name === 'other'));
  } finally {
    ws.cleanup();
  }
});
