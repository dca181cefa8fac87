// `.env` lines that systemd's EnvironmentFile= reads differently from Switchyard's own reading: `gateway service
// --print|--install` and `config check` warn, naming the line, and never show the value. The unit is still written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoSecrets, runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const MIMO = 'sk-svc-mimo-key-aaaa1111';
const DS = 'sk-svc-deepseek-key-bbbb2222';
const CLAUDE = 'sk-svc-claude-key-cccc3333';

test('service --print/--install and config check name each .env line systemd reads differently', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const config = ws.write(
    'switchyard.yaml',
    `providers:
  mimo: { type: openai, base_url: http://127.0.0.1:9/v1 }
  deepseek: { type: openai, base_url: http://127.0.0.1:9/v1 }
  claude: { type: anthropic, base_url: http://127.0.0.1:9 }
main: { provider: mimo, model: m }
`,
  );
  ws.write(
    '.env',
    `# keys for the gateway
MIMO_API_KEY=${MIMO}   # rotated 2026-05
export DEEPSEEK_API_KEY=${DS}
CLAUDE_API_KEY="${CLAUDE}" # the old one
LOG_LEVEL=info
`,
  );
  const dotenv = join(ws.dir, '.env');
  const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg') };
  const expected = [
    new RegExp(
      `${dotenv}:2: MIMO_API_KEY: systemd's EnvironmentFile= has no inline comments: it keeps the text from \`#\` on in the value, while Switchyard stops before it, so a service would see a different MIMO_API_KEY; put the comment on a line of its own`,
    ),
    new RegExp(
      `${dotenv}:3: DEEPSEEK_API_KEY: systemd's EnvironmentFile= does not accept "export " and skips this line, so a service would not have DEEPSEEK_API_KEY at all; remove "export "`,
    ),
    new RegExp(
      `${dotenv}:4: CLAUDE_API_KEY: systemd's EnvironmentFile= keeps the text after the closing quote in the value \\(Switchyard drops it\\)`,
    ),
  ];

  const printed = await runCliInProcess(['gateway', 'service', '--print', '--allow-clone', '--config', config], {
    env,
  });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^EnvironmentFile=-.*\.env$/m);
  for (const re of expected) assert.match(printed.stderr, new RegExp(`^warning: ${re.source}`, 'm'));
  assert.doesNotMatch(printed.stderr, /LOG_LEVEL|:1:|:5:/);

  const installed = await runCliInProcess(['gateway', 'service', '--install', '--allow-clone', '--config', config], {
    env,
  });
  assert.equal(installed.code, 0, installed.stderr);
  assert.ok(existsSync(join(ws.dir, 'xdg', 'systemd', 'user', 'switchyard-gateway.service')));
  for (const re of expected) assert.match(installed.stderr, re);

  const check = await runCliInProcess(['config', 'check', '--config', config], { env });
  assert.equal(check.code, 0, check.stderr);
  for (const re of expected) assert.match(check.stdout, new RegExp(`^warning: ${re.source}`, 'm'));
  assertNoSecrets([MIMO, DS, CLAUDE]);
});
