// A large request body is sent as its pieces (src/providers/translate/body-pieces.ts): long parts as the views they
// are, runs of short ones copied together, neighbouring views of the caller's bytes as one, a small body as one Buffer
// as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyPieces, bodyOf, wholeBody } from '../../src/providers/translate/body-pieces.ts';

const caller = Buffer.from(`{"model":"m","messages":[${'"x",'.repeat(50_000)}"y"]}`);

test('a body under 64 KiB is one Buffer of its parts, in order', () => {
  const body = bodyOf([Buffer.from('{"a":'), Buffer.from('1'), Buffer.from('}')]);
  assert.ok(Buffer.isBuffer(body));
  assert.equal(body.toString(), '{"a":1}');
});

test('a large body keeps its long parts as views of the caller bytes and copies its short ones together', () => {
  const parts = [
    caller.subarray(0, 9),
    Buffer.from('"route-model"'),
    caller.subarray(12, caller.length - 1),
    Buffer.from(',"stream_options":{"include_usage":true}'),
    Buffer.alloc(0),
    caller.subarray(caller.length - 1),
  ];
  const body = bodyOf(parts);
  assert.ok(body instanceof BodyPieces);
  assert.equal(body.pieces.length, 3, 'the short head, the long view, the short tail');
  const long = body.pieces[1]!;
  assert.equal(long.buffer, caller.buffer, 'not copied');
  assert.equal(long.byteOffset, caller.byteOffset + 12);
  assert.equal(body.length, Buffer.concat(parts).length);
  const whole = wholeBody(body) as Buffer;
  assert.deepEqual(whole, Buffer.concat(parts));
  assert.equal(JSON.parse(whole.toString()).model, 'route-model');
});

test('views of the caller bytes that follow each other are sent as one piece, with no empty or one-byte write', () => {
  // How a same-shape splice that adds nothing leaves the body: the head with the route's model, the kept bytes cut
  // before the closing brace, nothing added, and the brace.
  const cut = caller.length - 1;
  const parts = [
    Buffer.from('{"model":"route-model"'),
    caller.subarray(12, cut),
    Buffer.alloc(0),
    caller.subarray(cut),
  ];
  const body = bodyOf(parts);
  assert.ok(body instanceof BodyPieces);
  assert.equal(body.pieces.length, 2, 'the head, then the caller bytes to their end');
  const rest = body.pieces[1]!;
  assert.equal(rest.buffer, caller.buffer, 'not copied');
  assert.equal(rest.byteOffset, caller.byteOffset + 12);
  assert.equal(rest.length, caller.length - 12);
  assert.deepEqual(wholeBody(body), Buffer.concat(parts));
});

test('a body whole is the text or bytes it already was', () => {
  const bytes = Buffer.from('{}');
  assert.equal(wholeBody('{}'), '{}');
  assert.equal(wholeBody(bytes), bytes);
});
