import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, helpText, parseLine } from '../../src/sessions/commands.ts';

test('lines: messages, commands with arguments, aliases, unknown commands', () => {
  assert.deepEqual(parseLine('  hello  '), { type: 'message', text: 'hello' });
  assert.deepEqual(parseLine(''), { type: 'empty' });
  assert.deepEqual(parseLine('/title  My new title '), { type: 'command', name: 'title', arg: 'My new title' });
  assert.deepEqual(parseLine('/TITLE'), { type: 'command', name: 'title', arg: '' });
  assert.deepEqual(parseLine('/model deepseek/deepseek-chat'), {
    type: 'command',
    name: 'model',
    arg: 'deepseek/deepseek-chat',
  });
  assert.deepEqual(parseLine('/exit'), { type: 'command', name: 'quit', arg: '' });
  assert.deepEqual(parseLine('/frobnicate x'), { type: 'unknown', name: 'frobnicate' });
  assert.deepEqual(parseLine('//etc/hosts is a file'), { type: 'message', text: '/etc/hosts is a file' });
});

test('help lists every command', () => {
  const help = helpText();
  for (const c of COMMANDS) assert.ok(help.includes(c.usage), c.usage);
});
