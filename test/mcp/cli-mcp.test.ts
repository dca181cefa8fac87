// What the CLI says of MCP servers: `config check` locates a bad server, `auth explain` names a server's credentials
// and which is next, `doctor` connects to each server and lists its tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startMcpSim } from '../../src/sim/mcp-http.ts';

const BIN = join(import.meta.dirname, '../../bin/switchyard.js');

test('config check says where an MCP server is wrong', async () => {
  using ws = tempWorkspace();
  const path = ws.write(
    'switchyard.yaml',
    stringify({
      mcp: { servers: { gh: { url: 'ftp://x' }, bad__name: { url: 'http://127.0.0.1:9/mcp' }, loc: { command: [] } } },
    }),
  );
  const r = await runCliInProcess(['config', 'check', '--config', path], { env: { SWITCHYARD_HOME: ws.home } });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /mcp\.servers\.gh\.url: expected a URL starting with http:\/\/ or https:\/\//);
  assert.match(r.stderr, /mcp\.servers\.bad__name: .*may not contain `__`/);
  assert.match(r.stderr, /mcp\.servers\.loc\.command: expected the command and its arguments/);
});

test('auth explain and doctor cover MCP servers, and say no secret', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ tokens: ['mcp-token-good-0002'] });
  const path = ws.write(
    'switchyard.yaml',
    stringify({
      mcp: {
        servers: {
          remote: { url: sim.url, api_keys: ['mcp-token-bad-00001', 'mcp-token-good-0002'] },
          local: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio'] },
        },
      },
    }),
  );
  const env = { SWITCHYARD_HOME: ws.home };
  const explained = await runCliInProcess(['auth', 'explain', 'remote', '--config', path], { env });
  assert.equal(explained.code, 0, explained.stderr);
  assert.match(explained.stdout, /mcp\.servers\.remote\.api_keys\[0\]/);
  assert.match(explained.stdout, /→ the next request to remote uses key .*api_keys\[0\]/);
  assert.doesNotMatch(explained.stdout, /mcp-token-good-0002/);
  const local = await runCliInProcess(['auth', 'explain', 'local', '--config', path], { env });
  assert.match(local.stdout, /local MCP server/);

  const doctor = await runCliInProcess(['doctor', '--config', path], { env, timeoutMs: 60_000 });
  assert.match(doctor.stdout, /mcp servers:\n {2}remote \(remote\): ok, 4 tools\n {2}local \(stdio\): ok, 4 tools/);
  assert.doesNotMatch(doctor.stdout + doctor.stderr, /mcp-token-/);
});
