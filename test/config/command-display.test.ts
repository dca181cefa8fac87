// `config show` shows a key command as written: a `${VAR}` inside `api_key_command` (a client secret handed to curl)
// stays `${VAR}`, so the secret the variable holds is never printed, in a string run by `sh -c` or an argv list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.ts';
import { configYaml, displayConfig, explainRows } from '../../src/config/render.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const SECRET = 'client-secret-value-9f27';

test('config show prints ${VAR} in a key command, never the value it holds', () => {
  using ws = tempWorkspace();
  const configPath = ws.write(
    'switchyard.yaml',
    `providers:
  a:
    type: openai
    base_url: http://127.0.0.1:1/v1
    api_key_command: "curl -s -d client_secret=\${APP_SECRET} https://login.example/token"
  b:
    type: openai
    base_url: http://127.0.0.1:1/v1
    api_key_command: { run: [mint, "--secret=\${ENV_SECRET}", plain] }
main: { provider: a, model: m }
`,
  );
  ws.write('.env', `APP_SECRET=${SECRET}\n`);
  const loaded = loadConfig({ configPath, env: { ENV_SECRET: SECRET }, cwd: ws.dir });
  assert.equal(
    loaded.config.providers['a']!.api_key_command?.run,
    `curl -s -d client_secret=${SECRET} https://login.example/token`,
  );
  const shown = [configYaml(loaded), JSON.stringify(displayConfig(loaded)), JSON.stringify(explainRows(loaded))];
  for (const text of shown) {
    assert.ok(!text.includes(SECRET), text);
    assert.match(text, /client_secret=\$\{APP_SECRET\}/);
    assert.match(text, /--secret=\$\{ENV_SECRET\}/);
  }
});
