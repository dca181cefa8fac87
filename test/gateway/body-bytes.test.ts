// A request body is gathered as fastify gathers it — its limit, its declared length, a body cut off — but a body that
// came in one chunk is that chunk: one Buffer of external memory per request rather than two. A body of several
// chunks is joined, and the chunks' memory given back at once, unless another reader was handed them too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gatherBody } from '../../src/gateway/request/body-bytes.ts';

function gathered(
  chunks: readonly Buffer[],
  limit = 1024,
  declared = NaN,
): Promise<{ err: Error | null; bytes: Buffer }> {
  return new Promise((resolve) => {
    gatherBody(Readable.from(chunks, { objectMode: false }), limit, declared, (err, bytes) => resolve({ err, bytes }));
  });
}

const code = (err: Error | null): unknown => (err as { code?: unknown } | null)?.code;

/** A Buffer with memory of its own, as Node's HTTP parser hands each chunk over (Buffer.from may take a pool's). */
function own(text: string): Buffer {
  const b = Buffer.alloc(Buffer.byteLength(text));
  b.write(text);
  return b;
}

test('a body in one chunk that owns its memory is that chunk', async () => {
  const chunk = own('{"model":"main"}');
  const { err, bytes } = await gathered([chunk], 1024, chunk.length);
  assert.equal(err, null);
  assert.ok(bytes === chunk, 'the chunk itself');
});

test('a body in one chunk that is a view of larger memory is copied', async () => {
  const memory = own('xx{"model":"main"}yy');
  const view = memory.subarray(2, memory.length - 2);
  const { err, bytes } = await gathered([view]);
  assert.equal(err, null);
  memory.fill(0x20);
  assert.equal(bytes.toString(), '{"model":"main"}');
});

test('a body in several chunks is joined in order', async () => {
  const { err, bytes } = await gathered([Buffer.from('{"model":'), Buffer.from('"main"'), Buffer.from('}')], 1024, 16);
  assert.equal(err, null);
  assert.equal(bytes.toString(), '{"model":"main"}');
});

test('a body of several chunks gives their memory back once it is joined', async () => {
  const chunks = [own('{"model":'), own('"main"'), own('}')];
  const { err, bytes } = await gathered(chunks, 1024, 16);
  assert.equal(err, null);
  assert.equal(bytes.toString(), '{"model":"main"}');
  assert.deepEqual(
    chunks.map((c) => (c.buffer as ArrayBuffer).detached),
    [true, true, true],
    'each chunk’s memory freed, not left for the collector',
  );
});

test('chunks another reader was handed too are left to it', async () => {
  const chunks = [own('{"model":'), own('"main"'), own('}')];
  const payload = Readable.from(chunks, { objectMode: false });
  const seen: string[] = [];
  payload.on('data', (c: Buffer) => seen.push(c.toString()));
  const bytes = await new Promise<Buffer>((resolve) => gatherBody(payload, 1024, 16, (_err, b) => resolve(b)));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(bytes.toString(), '{"model":"main"}');
  assert.deepEqual(
    chunks.map((c) => c.toString()),
    ['{"model":', '"main"', '}'],
    'the other reader still reads them',
  );
  assert.equal(seen.join(''), '{"model":"main"}');
});

test('a body over the limit is refused as too large, declared or not', async () => {
  assert.equal(code((await gathered([Buffer.alloc(10)], 5, 10)).err), 'FST_ERR_CTP_BODY_TOO_LARGE');
  assert.equal(code((await gathered([Buffer.alloc(4), Buffer.alloc(4)], 5)).err), 'FST_ERR_CTP_BODY_TOO_LARGE');
});

test('a body shorter than its declared length is refused, saying so', async () => {
  assert.equal(code((await gathered([Buffer.from('{}')], 1024, 10)).err), 'FST_ERR_CTP_INVALID_CONTENT_LENGTH');
});

test('a body cut off by a stream error is the caller’s: a 400', async () => {
  const payload = new Readable({ read() {} });
  const result = new Promise<Error | null>((resolve) => gatherBody(payload, 1024, NaN, (err) => resolve(err)));
  payload.push(Buffer.from('{"mod'));
  payload.destroy(new Error('aborted'));
  const err = (await result) as (Error & { statusCode?: number }) | null;
  assert.equal(err?.message, 'aborted');
  assert.equal(err?.statusCode, 400);
});
