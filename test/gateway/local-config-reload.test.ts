// A gateway started on a ./switchyard.yaml it found in its directory (not named with --config): the file may have
// come with a cloned repository, so it must not bind stored keys stored before hosts were recorded
// (src/credentials/host-binding.ts). A reload re-reads the file by its path; it must stay a local config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/state/open.ts';
import { startGateway } from '../../src/gateway/server.ts';
import { reloadFromDisk } from '../../src/gateway/reload.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

test('a gateway started on a ./switchyard.yaml it found keeps it a local config across reloads (it never becomes "named")', async (t) => {
  const ws = tempWorkspace('switchyard-local-reload-');
  const store = openStore({ kind: 'memory' });
  t.after(async () => {
    await store.close();
    ws.cleanup();
  });
  ws.write('switchyard.yaml', 'providers:\n  p: { type: openai, base_url: "https://api.example.com/v1", key_env: P_KEY }\nmain: { provider: p, model: m }\n');
  const loaded = loadConfig({ cwd: ws.dir, env: { HOME: ws.home, XDG_CONFIG_HOME: join(ws.home, 'cfg') } });
  assert.equal(loaded.localConfig, true);
  const gw = await startGateway({ loaded, store, listen: '127.0.0.1:0', watch: false });
  t.after(() => gw.close());
  reloadFromDisk(gw.app);
  assert.equal(gw.app.gateway.settings.loaded.localConfig, true);
  assert.equal(gw.app.gateway.settings.loaded.path, loaded.path);
});
