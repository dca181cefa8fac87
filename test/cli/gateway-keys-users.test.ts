// `gateway keys create --user-from --user-hash`: where a key reads its requests' end user is stored with the key (in
// the SQLite state file and in Redis alike), said by `keys create` and shown by `keys list` and `keys show`, and a wrong
// value is said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';

async function createListShow(config: Record<string, unknown>): Promise<void> {
  const ws = tempWorkspace('switchyard-keys-users-');
  const configPath = ws.write('switchyard.yaml', stringify(config));
  const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg'), HOME: ws.dir };
  const run = (...args: string[]) => runCliInProcess(['gateway', 'keys', ...args, '--config', configPath], { env });
  try {
    const created = await run('create', 'coding', '--user-from', 'both', '--user-hash', '--json');
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse(created.stdout) as { user_from: unknown; user_hash: unknown };
    assert.deepEqual([json.user_from, json.user_hash], ['both', true]);
    const proxied = await run('create', 'proxied', '--user-from', 'header');
    assert.equal(proxied.code, 0, proxied.stderr);
    assert.match(
      proxied.stdout,
      /^End users: from the x-switchyard-user header \(a proxy you trust sets it\); the body's is not read\.$/m,
    );
    const ci = await run('create', 'ci');
    assert.equal(ci.code, 0, ci.stderr);
    assert.doesNotMatch(ci.stdout, /End users/, 'a key that reads none says nothing of them');

    const listed = await run('list', '--json');
    const keys = JSON.parse(listed.stdout) as { name: string; user_from: unknown; user_hash: unknown }[];
    assert.deepEqual(
      keys.map((k) => [k.name, k.user_from, k.user_hash]),
      [
        ['coding', 'both', true],
        ['proxied', 'header', false],
        ['ci', null, false],
      ],
    );
    const table = await run('list');
    assert.match(table.stdout, /USERS/);
    assert.match(table.stdout, /coding .*both, hashed/);

    const shown = await run('show', 'coding', '--no-connect');
    assert.match(shown.stdout, /End users: from the x-switchyard-user header, else the client's body, kept hashed/);
    const none = await run('show', 'ci', '--no-connect');
    assert.match(none.stdout, /End users: none read \(a request carrying x-switchyard-user is refused\)/);

    const wrong = await run('create', 'bad', '--user-from', 'cookie');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--user-from: expected header, body or both, got "cookie"/);
    const hashOnly = await run('create', 'bad', '--user-hash');
    assert.equal(hashOnly.code, 2);
    assert.match(hashOnly.stderr, /--user-hash hashes the end user the key reads: give --user-from/);
  } finally {
    ws.cleanup();
  }
}

test('keys create --user-from --user-hash is kept with the key and shown (SQLite)', async () => {
  await createListShow({});
});

test('the same with the keys in Redis', { skip: REDIS_MISSING }, async () => {
  await using redis = await startTestRedis();
  await createListShow({ gateway: { state: redis.url } });
});
