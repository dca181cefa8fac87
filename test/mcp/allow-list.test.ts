// A client key's MCP allow-list: deny by default once set, each field narrows, patterns never reach across the
// server/tool separator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allows, decide, parseToolPatterns, staleEntries } from '../../src/mcp/allow-list.ts';

test('who may call what, by the key list', () => {
  const cases: [string, Parameters<typeof allows>[0], string, string, boolean][] = [
    ['no list: everything', undefined, 'github', 'create_issue', true],
    ['an empty list: nothing', {}, 'github', 'create_issue', false],
    ['no tools at all', { tools: [] }, 'github', 'create_issue', false],
    ['a server glob pattern', { tools: ['github__*'] }, 'github', 'create_issue', true],
    ['another server', { tools: ['github__*'] }, 'files', 'read', false],
    ['one exact tool', { tools: ['exa__web_search'] }, 'exa', 'web_search', true],
    ['a sibling of the exact tool', { tools: ['exa__web_search'] }, 'exa', 'web_search_pro', false],
    ['servers alone: all their tools', { servers: ['files'] }, 'files', 'read', true],
    ['servers alone: not others', { servers: ['files'] }, 'github', 'read', false],
    ['a tools pattern cannot widen servers', { servers: ['files'], tools: ['github__*'] }, 'github', 'x', false],
    ['servers cannot widen tools', { servers: ['files', 'github'], tools: ['files__read'] }, 'github', 'x', false],
    ['both fields agree', { servers: ['files'], tools: ['files__read'] }, 'files', 'read', true],
    ['a server glob does not span the separator', { tools: ['git*__x'] }, 'github', 'x', true],
    ['nor does a tool glob reach the server', { tools: ['git__*'] }, 'github', 'x', false],
    ['regex characters are literal', { tools: ['a.b__x'] }, 'aXb', 'x', false],
  ];
  for (const [name, list, server, tool, expected] of cases) assert.equal(allows(list, server, tool), expected, name);
  assert.deepEqual(decide({ tools: ['exa__*'] }, 'exa', 'q'), {
    allowed: true,
    reason: 'tool_pattern',
    pattern: 'exa__*',
  });
});

test('patterns typed on the command line are checked, and stale entries found', () => {
  assert.deepEqual(parseToolPatterns('files__*, exa__web_search,files__*', '--mcp-tools'), [
    'files__*',
    'exa__web_search',
  ]);
  assert.deepEqual(parseToolPatterns('', '--mcp-tools'), []);
  assert.throws(
    () => parseToolPatterns('web_search', '--mcp-tools'),
    /--mcp-tools: "web_search" is not a tool pattern/,
  );
  assert.throws(() => parseToolPatterns('__x', '--mcp-tools'), /is not a tool pattern/);
  assert.deepEqual(staleEntries({ servers: ['gone'], tools: ['files__*', 'old__*'] }, ['files']), ['gone', 'old__*']);
});
