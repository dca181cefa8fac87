// `gateway keys create|update|show` with an MCP allow-list: stored with the key, replaced whole by an update (an old
// pattern never survives), explained per configured server, and shared by replicas through Redis as the key is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCliInProcess } from '../helpers/cli.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { REDIS_MISSING, startTestRedis } from '../helpers/redis.ts';

const MCP = {
  servers: {
    files: { command: ['node', 'files-server.js'] },
    exa: { url: 'http://127.0.0.1:9/mcp' },
    github: { url: 'http://127.0.0.1:9/mcp' },
  },
};

function workspace(config: Record<string, unknown>) {
  const ws = tempWorkspace('switchyard-keys-mcp-');
  const configPath = ws.write('switchyard.yaml', stringify(config));
  const env = { SWITCHYARD_HOME: ws.home, XDG_CONFIG_HOME: join(ws.dir, 'xdg'), HOME: ws.dir };
  const run = (...args: string[]) => runCliInProcess(['gateway', 'keys', ...args, '--config', configPath], { env });
  return { ws, run };
}

async function createUpdateShow(config: Record<string, unknown>) {
  const { ws, run } = workspace(config);
  try {
    const created = await run('create', '--name', 'agent', '--mcp-tools', 'files__*,exa__web_search', '--json');
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual((JSON.parse(created.stdout) as { mcp: unknown }).mcp, { tools: ['files__*', 'exa__web_search'] });

    const shown = await run('show', 'agent');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /MCP allow-list \(deny by default\): servers \(not set\); tools files__\*, exa__web_search/,
    );
    assert.match(shown.stdout, /files: tools matching files__\*/);
    assert.match(shown.stdout, /github: nothing \(no pattern names it\)/);

    // An update replaces: the files pattern given before is gone, not merged.
    const updated = await run('update', 'agent', '--mcp-servers', 'github', '--json');
    assert.equal(updated.code, 0, updated.stderr);
    assert.deepEqual((JSON.parse(updated.stdout) as { mcp: unknown }).mcp, { servers: ['github'] });
    const again = await run('show', 'agent', '--json');
    const shownJson = JSON.parse(again.stdout) as { mcp: unknown; explanation: string[] };
    assert.deepEqual(shownJson.mcp, { servers: ['github'] });
    assert.ok(shownJson.explanation.includes('  files: refused (not in servers)'), shownJson.explanation.join('\n'));

    const stale = await run('update', 'agent', '--mcp-tools', 'gone__*');
    assert.equal(stale.code, 0, stale.stderr);
    assert.match(stale.stdout, /Matches no configured server, grants nothing now.*: gone__\*/);

    const cleared = await run('update', 'agent', '--no-mcp');
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /no allow-list: this key may list and call every tool/);

    const nothing = await run('update', 'agent');
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to update: give --mcp-tools, --mcp-servers/);
    const bad = await run('update', 'agent', '--mcp-tools', 'web_search');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mcp-tools: "web_search" is not a tool pattern/);
    const unknown = await run('show', 'nobody');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no active gateway key has the id or name "nobody"/);
  } finally {
    ws.cleanup();
  }
}

test('keys create --mcp-tools, update replaces the list whole, show explains it (SQLite)', async () => {
  await createUpdateShow({ mcp: MCP });
});

test('the same with the keys in Redis, shared by replicas', { skip: REDIS_MISSING }, async () => {
  await using redis = await startTestRedis();
  await createUpdateShow({ mcp: MCP, gateway: { state: redis.url } });
});
