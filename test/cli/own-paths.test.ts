// Paths of our own are never scrubbed: a config named like a key (`sk-proj-….yaml`, `api-key-and-keys.yaml`) or kept
// in a directory named like one is shown as it is — by `config check`, `config init`, `doctor` and the gateway's log —
// while a key-shaped string elsewhere in the same message is still masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { spawnGateway } from '../helpers/gateway-process.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { until } from '../helpers/until.ts';
import { keepPathsUnder, scrubSecrets } from '../../src/log.ts';

const KEY_NAMED = 'sk-proj-abcdefghijklmnop1234.yaml';
const WORD_NAMED = 'api-key-and-keys.yaml';
/** A key that is not in the config: an upstream might quote one like it, which the scrubber must still mask. */
const STRAY_KEY = 'sk-stray-upstream-key-ZZ9900aa';

test('config check, config init and doctor name a key-shaped config file and directory as they are', async (t) => {
  const ws = tempWorkspace('switchyard-own-paths-');
  t.after(() => ws.cleanup());
  const env = { HOME: ws.home, SWITCHYARD_HOME: join(ws.dir, 'sk-proj-home-abcdefghijkl1234') };
  for (const name of [KEY_NAMED, WORD_NAMED]) {
    const file = ws.write(
      join('key-store-dir-abcdefgh', name),
      `providers:\n  p: { type: opnai, base_url: "https://p.example.com/v1?x=${STRAY_KEY}" }\n`,
    );
    // From elsewhere, so neither the current directory nor the home directory holds it.
    const checked = await runCliInProcess(['config', 'check', '--config', file], { cwd: ws.home, env });
    assert.equal(
      checked.stderr,
      `switchyard: invalid config: ${file}:2:14: providers.p.type: expected one of openai | anthropic | azure | gemini | vertex | bedrock, got "opnai" (did you mean \`openai\`?)\n`,
    );
    const doctor = await runCliInProcess(['doctor', '--config', file], { cwd: ws.home, env });
    assert.ok(doctor.stdout.includes(`invalid config: ${file}:2:14`), doctor.stdout);
    const init = await runCliInProcess(['config', 'init', '--path', file], { cwd: ws.home, env });
    assert.equal(init.stderr.split('\n')[0], `switchyard: ${file} already exists; not overwriting it`);
  }
});

test("the gateway's log names a key-shaped config path as it is", async (t) => {
  const ws = tempWorkspace('switchyard-own-paths-gw-');
  t.after(() => ws.cleanup());
  const file = ws.write(
    join('api-key-store-abcdefgh', WORD_NAMED),
    'providers:\n  p: { type: openai, base_url: "http://127.0.0.1:9/v1" }\nmain: { provider: p, model: m }\ngateway: { require_keys: false }\n',
  );
  const g = await spawnGateway(
    t,
    ['--config', file],
    { HOME: ws.home, SWITCHYARD_HOME: join(ws.dir, 'home') },
    ws.home,
  );
  t.after(async () => {
    g.child.kill('SIGTERM');
    await g.exited;
  });
  await until('the gateway to log that it listens', () => g.stderr().includes('"msg":"gateway listening"'));
  assert.ok(g.stderr().includes(`"config":"${file}"`), g.stderr());
  // The keyless warning names the file's directory (the .env looked for beside it).
  assert.ok(g.stderr().includes(`no .env at ${join(ws.dir, 'api-key-store-abcdefgh', '.env')}`), g.stderr());
  assert.doesNotMatch(g.stderr(), /api-…/);
});

test('scrubSecrets keeps paths under our own directories and masks the same name anywhere else', () => {
  keepPathsUnder('/srv/sk-own-dir-abcdefghijkl1234');
  const own = `/srv/sk-own-dir-abcdefghijkl1234/${KEY_NAMED}`;
  assert.equal(scrubSecrets(`invalid config: ${own}:2:14: got ${STRAY_KEY}`), `invalid config: ${own}:2:14: got …00aa`);
  assert.equal(scrubSecrets(`"config":"${own}"`), `"config":"${own}"`);
  // Not ours: an upstream quoting a URL or another path with the same name.
  assert.equal(
    scrubSecrets(`GET https://gw.example/srv/sk-own-dir-abcdefghijkl1234/x`),
    'GET https://gw.example/srv/…1234/x',
  );
  assert.equal(scrubSecrets(`/srv/sk-own-dir-abcdefghijkl1234x/${KEY_NAMED}`), '/srv/…234x/…1234.yaml');
});
