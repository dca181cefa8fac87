// The copy of the client keys a replica last read from Redis (src/state/redis/key-mirror.ts): written whole and 0600,
// read back; a damaged or missing file knows nothing; a last use is no reason to rewrite it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mirrorSignature, readKeyMirror, writeKeyMirror } from '../../src/state/redis/key-mirror.ts';
import type { GatewayKeyRecord } from '../../src/state/types.ts';
import { tempWorkspace } from '../helpers/tmp.ts';

const KEY: GatewayKeyRecord = { id: 'k1', name: 'fleet', hash: 'a'.repeat(64), prefix: 'sy-abcd', created_at: 1 };

const SOURCE = 'redis://127.0.0.1:6379/0#switchyard:gateway_keys';

test('written 0600 and read back; missing, damaged, or from another Redis: nothing known', () => {
  using ws = tempWorkspace('switchyard-key-mirror-');
  const path = join(ws.home, 'shared-client-keys.json');
  assert.equal(readKeyMirror(path, SOURCE), undefined);
  const warnings: string[] = [];
  writeKeyMirror(path, SOURCE, [KEY], (m: string) => warnings.push(m));
  assert.deepEqual(readKeyMirror(path, SOURCE), [KEY]);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  // Keys read from a Redis that a cloned repository's config named are not keys of the user's own Redis.
  assert.equal(readKeyMirror(path, 'redis://evil.invalid:6379/0#switchyard:gateway_keys'), undefined);
  writeFileSync(path, '{"keys": [ {"id": 1}, ');
  assert.equal(readKeyMirror(path, SOURCE), undefined);
  writeKeyMirror(join(ws.home, 'no-such-dir', 'x.json'), SOURCE, [KEY], (m: string) => warnings.push(m));
  assert.match(warnings.join('\n'), /could not keep a copy of the client keys read from Redis in .*x\.json \(ENOENT\)/);
});

test('the signature changes with a key added or revoked, not with a last use', () => {
  const base = mirrorSignature([KEY]);
  assert.equal(mirrorSignature([{ ...KEY, last_used_at: 99 }]), base);
  assert.notEqual(mirrorSignature([{ ...KEY, revoked_at: 5 }]), base);
  assert.notEqual(mirrorSignature([KEY, { ...KEY, id: 'k2' }]), base);
});
