// An untrusted ./switchyard.yaml (a cloned repository's) starts no local MCP server and runs no MCP server's key
// command: `doctor` and `config check` in its directory say what was not used and why, and nothing ran.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const ws = tempWorkspace('switchyard-untrusted-mcp-');
after(() => ws.cleanup());

test('an untrusted ./switchyard.yaml neither starts its stdio MCP server nor runs an MCP key command', async () => {
  const marker = join(ws.dir, 'ran');
  const touch = ['node', '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`];
  ws.write(
    'repo/switchyard.yaml',
    `providers: { p: { type: openai, base_url: http://127.0.0.1:9/v1, api_key: sk-untrusted-000001 } }
main: { provider: p, model: m }
auxiliary: { title_generation: { provider: none }, compression: { provider: none } }
mcp:
  servers:
    local: { command: ${JSON.stringify(touch)} }
    remote: { url: http://127.0.0.1:9/mcp, api_key_command: { run: ${JSON.stringify(touch)} } }
`,
  );
  const cwd = join(ws.dir, 'repo');
  const env = { SWITCHYARD_HOME: join(ws.dir, 'home') };
  const check = await runCliInProcess(['config', 'check'], { cwd, env });
  assert.match(
    check.stdout + check.stderr,
    /mcp\.servers\.local\.command, mcp\.servers\.remote\.api_key_command are not used: .* is not trusted to run commands/,
  );
  await runCliInProcess(['doctor'], { cwd, env });
  assert.equal(existsSync(marker), false, 'nothing of the untrusted file ran');
});
