// An end user's bounds and hashing (src/calls/end-user.ts): what may be a user, and the forms a name is matched in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashUser, MAX_USER_LENGTH, storedUser, userForms, userProblem } from '../../src/calls/end-user.ts';

test('a user is 1 to 256 printable characters, any script; control and format characters are refused', () => {
  for (const ok of ['alice', 'alice@example.com', 'zoë', '李雷', 'user_9f_account_1_session_2', 'a b', 'x'.repeat(256)])
    assert.equal(userProblem(ok), undefined, ok);
  assert.equal(userProblem(''), 'is empty');
  assert.equal(userProblem('x'.repeat(MAX_USER_LENGTH + 1)), 'is 257 characters long, more than 256');
  for (const bad of ['a\nb', 'a\u0000', 'a\u001b[31m', 'a\u202eb'])
    assert.equal(userProblem(bad), 'holds a control or other unprintable character', JSON.stringify(bad));
});

test('a hashed user is stable, short and marked; a name is matched as sent and as hashed', () => {
  assert.equal(hashUser('alice'), hashUser('alice'));
  assert.notEqual(hashUser('alice'), hashUser('bob'));
  assert.match(hashUser('alice'), /^sha256:[0-9a-f]{16}$/);
  assert.equal(storedUser('alice', false), 'alice');
  assert.equal(storedUser('alice', true), hashUser('alice'));
  const key = 'sk-proj-abcdefghijklmnopqrstuvwx';
  assert.equal(storedUser(key, false), hashUser(key), 'a user shaped like an API key is never kept as sent');
  assert.equal(storedUser(`team/${key}`, false), hashUser(`team/${key}`));
  assert.deepEqual(userForms('alice'), ['alice', hashUser('alice')]);
  assert.deepEqual(userForms(hashUser('alice')), [hashUser('alice'), hashUser('alice')]);
});
