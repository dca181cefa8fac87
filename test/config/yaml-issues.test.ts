// A YAML parse problem says what sort it is as a value: the loader and the scenario reader decide by it whether the
// document is still read, not by how its message begins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDuplicateKey, parseYaml } from '../../src/config/yaml-source.ts';

test('a key written twice is a duplicate_key issue and the document is still read', () => {
  const { source, issues } = parseYaml('c.yaml', 'main: a\nmain: b\n');
  assert.deepEqual(
    issues.map((i) => i.yaml),
    ['duplicate_key'],
  );
  assert.ok(issues.every(isDuplicateKey));
  assert.deepEqual(source.data, { main: 'b' });
});

test('syntax errors are syntax issues, only the first of them kept; a duplicate key beside them is kept too', () => {
  const { issues } = parseYaml('c.yaml', 'a: 1\na: 2\nb: [1, 2\nc: {x\n');
  const syntax = issues.filter((i) => i.yaml === 'syntax');
  assert.equal(syntax.length, 1, JSON.stringify(issues));
  assert.match(syntax[0]!.message, /^YAML syntax error: /);
  assert.equal(issues.filter(isDuplicateKey).length, 1);
});
