// The gateway and stored keys bound to a host (src/credentials/host-binding.ts): a ./switchyard.yaml it found in its
// directory (not named with --config) may have come with a cloned repository, so it must not bind keys stored
// before hosts were recorded, and a reload (which re-reads the file by its path) must keep it a local config; and a
// provider whose only keys are held back is named at start with why, as every "no API key" error says it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/state/open.ts';
import { startGateway } from '../../src/gateway/server/server.ts';
import { reloadFromDisk } from '../../src/gateway/server/reload.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { createLogger } from '../../src/log.ts';
import { fingerprint } from '../../src/config/mask.ts';

test('a gateway started on a ./switchyard.yaml it found keeps it a local config across reloads (it never becomes "named")', async () => {
  using ws = tempWorkspace('switchyard-local-reload-');
  await using store = openStore({ kind: 'memory' });
  ws.write(
    'switchyard.yaml',
    'providers:\n  p: { type: openai, base_url: "https://api.example.com/v1", key_env: P_KEY }\nmain: { provider: p, model: m }\n',
  );
  const loaded = loadConfig({ cwd: ws.dir, env: { HOME: ws.home, XDG_CONFIG_HOME: join(ws.home, 'cfg') } });
  assert.equal(loaded.localConfig, true);
  await using gw = await startGateway({ loaded, store, listen: '127.0.0.1:0', watch: false });
  await reloadFromDisk(gw.app);
  assert.equal(gw.app.gateway.settings.loaded.localConfig, true);
  assert.equal(gw.app.gateway.settings.loaded.path, loaded.path);
});

test("the gateway's start-up warning says when a provider's only keys are stored ones held back for another host", async () => {
  using ws = tempWorkspace('switchyard-held-back-');
  await using store = openStore({ kind: 'memory' });
  const key = 'sk-held-back-for-other-01';
  store.addStoredCredential({
    id: fingerprint(key),
    provider: 'p',
    secret: key,
    priority: 0,
    origin: 'https://api.example.com',
  });
  const path = ws.write(
    'switchyard.yaml',
    'providers:\n  p: { type: openai, base_url: "https://elsewhere.example/v1", key_env: P_KEY }\nmain: { provider: p, model: m }\n',
  );
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
  await using _gw = await startGateway({
    loaded: loadConfig({ configPath: path, env: { HOME: ws.home } }),
    store,
    logger,
    listen: '127.0.0.1:0',
    watch: false,
  });
  const warning = lines.map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.startsWith('providers.p:'));
  assert.ok(warning, lines.join('\n'));
  assert.match(
    warning.msg,
    /^providers\.p: no API key of provider p may be sent where the config sends it: stored sk-…r-01 \(\w+\) is held back — it was added for https:\/\/api\.example\.com, but providers\.p\.base_url \(.*switchyard\.yaml:2\) sends p's keys to https:\/\/elsewhere\.example .*; nothing in providers\.p\.api_key, env P_KEY, no \.env at [^;]*; or store a key/,
  );
  assert.ok(!lines.join('\n').includes(key), 'the key itself never');
});
