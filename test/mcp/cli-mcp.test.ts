// What the CLI says of MCP servers: `config check` locates a bad server, `auth explain` names a server's credentials
// and which is next, `doctor` connects to each server and lists its tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { startMcpSim } from '../../src/sim/fronts/mcp/http.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

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

test('sim mcp serves its tools over HTTP where --listen says, with the tokens given', async () => {
  const child = spawn(process.execPath, [BIN, 'sim', 'mcp', '--listen', '127.0.0.1:0', '--token', 'sim-mcp-token-01'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited: ${out}`)));
    });
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: 'Bearer sim-mcp-token-01' } },
      }),
    );
    const names = (await client.listTools()).tools.map((t) => t.name);
    await client.close();
    assert.deepEqual(names, ['echo', 'add', 'files_read', 'hang']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }
});

test('gateway keys show names the concrete tools a key reaches, asking the servers that answer', async () => {
  using ws = tempWorkspace();
  await using sim = await startMcpSim({ tokens: ['mcp-token-show-0001'] });
  const path = ws.write(
    'switchyard.yaml',
    stringify({
      mcp: {
        servers: {
          remote: { url: sim.url, api_key: 'mcp-token-show-0001' },
          local: { command: [process.execPath, BIN, 'sim', 'mcp', '--stdio'] },
          down: { url: 'http://127.0.0.1:9/mcp', timeout: '2s' },
        },
      },
    }),
  );
  const env = { SWITCHYARD_HOME: ws.home };
  const cli = (...args: string[]) => runCliInProcess([...args, '--config', path], { env });
  const created = await cli('gateway', 'keys', 'create', '--name', 'agent', '--mcp-tools', 'remote__*,local__add');
  assert.equal(created.code, 0, created.stderr);
  const shown = await cli('gateway', 'keys', 'show', 'agent');
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(
    shown.stdout,
    /^ {2}remote: remote__echo \(remote__\*\), remote__add \(remote__\*\), .*\(4 of 4 tools\)$/m,
  );
  assert.match(shown.stdout, /^ {2}local: local__add \(local__add\) \(1 of 4 tools\)$/m);
  // A server that does not answer: its patterns, and why its tools are not named.
  assert.match(shown.stdout, /^ {2}down: nothing \(no pattern names it\)$/m);
  assert.match(shown.stdout, /Not reached just now, .*: down \(/);
  assert.doesNotMatch(shown.stdout, /mcp-token-show/);
  const offline = await cli('gateway', 'keys', 'show', 'agent', '--no-connect');
  assert.match(offline.stdout, /^ {2}remote: tools matching remote__\*$/m);
});
