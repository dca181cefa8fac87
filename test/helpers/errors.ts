// The UserError a function throws (failing the test when it throws nothing, or something else).
import assert from 'node:assert/strict';
import { UserError } from '../../src/user-error.ts';

export function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.ok(UserError.isInstance(err), `expected a UserError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a UserError');
}
