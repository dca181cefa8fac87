// The hand-built request line must be the line pino would have written, scrubbed the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, lineWriter, rawJson, scrubSecrets } from '../src/log.ts';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

const FIELDS = {
  method: 'POST', path: '/v1/chat/completions', status: 200, key: 'ci "quoted"\n\\', model: null, stream: false, ms: 1.25,
  route: 'prov/modèle-😀', odd: 'lone \ud800 surrogate', big: Number.NaN,
};

test('lineWriter writes the line pino writes for the same fields', async () => {
  const viaPino = capture();
  const viaWriter = capture();
  createLogger({ level: 'info', destination: viaPino.stream }).info(FIELDS, 'request');
  lineWriter(createLogger({ level: 'info', destination: viaWriter.stream }))('info', FIELDS, 'request');
  await new Promise((r) => setImmediate(r));
  const [a, b] = [JSON.parse(viaPino.lines[0] ?? '{}'), JSON.parse(viaWriter.lines[0] ?? '{}')];
  delete a.time;
  assert.equal(typeof b.time, 'number');
  delete b.time;
  assert.deepEqual(b, a);
  assert.deepEqual(Object.keys(b), Object.keys(a), 'same key order');
  const withoutTime = (line: string | undefined) => (line ?? '').replace(/"time":\d+/, '"time":0');
  assert.equal(withoutTime(viaWriter.lines[0]), withoutTime(viaPino.lines[0]), 'byte for byte, but the time');
});

test('lineWriter honours the level and scrubs key-shaped strings', async () => {
  const out = capture();
  const write = lineWriter(createLogger({ level: 'info', destination: out.stream }));
  write('debug', { a: 1 }, 'hidden');
  write('warn', { model: 'sk-proj-abcdefghijklmnop1234' }, 'request');
  await new Promise((r) => setImmediate(r));
  assert.equal(out.lines.length, 1);
  const line = JSON.parse(out.lines[0] ?? '{}');
  assert.equal(line.level, 40);
  assert.equal(line.model, '…1234');
});

test('lineWriter scrubs every line, however many distinct values it has seen (the remembered texts are bounded)', async () => {
  const out = capture();
  const write = lineWriter(createLogger({ level: 'info', destination: out.stream }));
  for (let i = 0; i < 1200; i++) write('info', { model: `sk-live-${String(i).padStart(6, '0')}abcd`, route: 'p/m' }, 'request');
  write('info', { model: 'sk-live-000007abcd', route: 'p/m' }, 'request');
  await new Promise((r) => setImmediate(r));
  assert.equal(out.lines.length, 1201);
  for (const line of out.lines) assert.equal(JSON.parse(line).model, '…abcd');
  assert.ok(!out.lines.some((l) => l.includes('sk-live')));
});

test('lineWriter falls back to the logger for destinations that need pino metadata', async () => {
  const out = capture();
  const logger = pino({ level: 'info' }, pino.multistream([{ stream: out.stream }]));
  lineWriter(logger)('info', { x: 'y' }, 'request');
  await new Promise((r) => setImmediate(r));
  assert.equal(JSON.parse(out.lines[0] ?? '{}').x, 'y');
});

test('rawJson values (ids seen once) are written as rendered: scrubbed unless trusted, also through the fallback', async () => {
  const out = capture();
  const write = lineWriter(createLogger({ level: 'info', destination: out.stream }));
  write('info', { req_id: rawJson('5f0c2a9e71b4-1x3', true), other: rawJson('sk-caller-put-a-key-here-9z9z', false), quoted: rawJson('a "b"', false) }, 'request');
  const viaPino = capture();
  lineWriter(pino({ level: 'info' }, pino.multistream([{ stream: viaPino.stream }])))('info', { req_id: rawJson('lb-1', false) }, 'request');
  await new Promise((r) => setImmediate(r));
  const line = JSON.parse(out.lines[0] ?? '{}');
  assert.equal(line.req_id, '5f0c2a9e71b4-1x3');
  assert.equal(line.other, '…9z9z');
  assert.equal(line.quoted, 'a "b"');
  assert.equal(JSON.parse(viaPino.lines[0] ?? '{}').req_id, 'lb-1');
});

test('scrubSecrets masks the well-known key prefixes and leaves names that merely start like them', () => {
  const keys = ['AIzaSyD-AbCdEf1234567890XyZ', 'gsk_abcdefabcdef1234567890ABCD', 'xai-ABCDEFGH12345678abcdEFGH', 'hf_abcdefghij1234567890WXYZ', 'sk-proj-abc123def456'];
  for (const key of keys) {
    const out = scrubSecrets(`got "${key}" there`);
    assert.equal(out, `got "…${key.slice(-4)}" there`);
  }
  for (const name of ['xai-grok-beta', 'hf-inference-endpoint', 'skateboarding', 'trace 4bf92f3577b34da6a3ce929d0e0e4736']) assert.equal(scrubSecrets(name), name);
});
