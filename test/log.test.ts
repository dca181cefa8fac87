// The hand-built request line must be the line pino would have written, scrubbed the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, lineWriter, numberJson, rawJson, scrubSecrets } from '../src/log.ts';
import { batchedDestination } from '../src/log-destination.ts';
import { tempWorkspace } from './helpers/tmp.ts';

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
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  key: 'ci "quoted"\n\\',
  model: null,
  stream: false,
  ms: 1.25,
  route: 'prov/modèle-😀',
  odd: 'lone \ud800 surrogate',
  big: Number.NaN,
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

test('a number is written as JSON writes it, fractions of two decimals put together from integers too', () => {
  const seen: number[] = [];
  for (let n = -20_000; n <= 2_000_000; n += n < 20_000 ? 1 : 97) seen.push(n / 100);
  for (const x of [1 / 3, 0.1 + 0.2, 1e-7, -0.001, 2 ** 31 / 100 + 0.25, 1e21, 123456789.12, 0.005, 1.005, -0, 5e-324])
    seen.push(x);
  for (let i = 0; i < 10_000; i++) seen.push(Math.round(Math.random() * 1e9) / 100, Math.random() * 1e4);
  for (const x of seen) assert.equal(numberJson(x), JSON.stringify(x), String(x));
  for (const x of [Number.NaN, Infinity, -Infinity]) assert.equal(numberJson(x), 'null');
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
  for (let i = 0; i < 1200; i++)
    write('info', { model: `sk-live-${String(i).padStart(6, '0')}abcd`, route: 'p/m' }, 'request');
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
  write(
    'info',
    {
      req_id: rawJson('5f0c2a9e71b4-1x3', true),
      other: rawJson('sk-caller-put-a-key-here-9z9z', false),
      quoted: rawJson('a "b"', false),
    },
    'request',
  );
  const viaPino = capture();
  lineWriter(pino({ level: 'info' }, pino.multistream([{ stream: viaPino.stream }])))(
    'info',
    { req_id: rawJson('lb-1', false) },
    'request',
  );
  await new Promise((r) => setImmediate(r));
  const line = JSON.parse(out.lines[0] ?? '{}');
  assert.equal(line.req_id, '5f0c2a9e71b4-1x3');
  assert.equal(line.other, '…9z9z');
  assert.equal(line.quoted, 'a "b"');
  assert.equal(JSON.parse(viaPino.lines[0] ?? '{}').req_id, 'lb-1');
});

test('scrubSecrets masks the well-known key prefixes and leaves names that merely start like them', () => {
  const keys = [
    'AIzaSyD-AbCdEf1234567890XyZ',
    'gsk_abcdefabcdef1234567890ABCD',
    'xai-ABCDEFGH12345678abcdEFGH',
    'hf_abcdefghij1234567890WXYZ',
    'sk-proj-abc123def456',
  ];
  for (const key of keys) {
    const out = scrubSecrets(`got "${key}" there`);
    assert.equal(out, `got "…${key.slice(-4)}" there`);
  }
  for (const name of [
    'xai-grok-beta',
    'hf-inference-endpoint',
    'skateboarding',
    'trace 4bf92f3577b34da6a3ce929d0e0e4736',
  ])
    assert.equal(scrubSecrets(name), name);
});

test(
  'scrubSecrets masks what one key-shaped expression would, and in time linear in the text',
  { timeout: 30_000 },
  () => {
    // The definition, as one regular expression: it scans a long run with no key end again from every prefix in it.
    const SHAPE =
      /\b((?:sk|pk|rk|key|sy)[-_][A-Za-z0-9_-]{4,}|(?:gsk_|xai-|hf_|ghp_|github_pat_|glpat-|pplx-|nvapi-|r8_|AIza)[A-Za-z0-9_-]{16,})([A-Za-z0-9]{4})\b/g;
    const reference = (text: string): string => text.replace(SHAPE, (_m, _head: string, tail: string) => `…${tail}`);
    const atoms = [
      'sk',
      'pk',
      'key',
      'sy',
      '-',
      '_',
      'a',
      'B',
      '1',
      '9',
      ' ',
      '.',
      'gsk_',
      'xai-',
      'AIza',
      'hf_',
      'x',
      'é',
      ':',
      'abcd',
      '1234',
      'github_pat_',
    ];
    let seed = 42;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 50_000; i++) {
      let text = '';
      for (let j = next(14); j >= 0; j--) text += atoms[next(atoms.length)];
      assert.equal(scrubSecrets(text), reference(text), JSON.stringify(text));
    }
    // Runs full of prefixes and no key end (an upstream's garbage, a hostile error body): the expression above takes
    // over a second for 12 KB of `sk-`; these are 200 KB each.
    for (const text of ['sk-'.repeat(70_000), 'AIza_-'.repeat(35_000), `${'key_a'.repeat(40_000)}-`])
      assert.ok(scrubSecrets(text) === text, `${text.slice(0, 12)}… is left as it is`);
    assert.equal(scrubSecrets(`${'sk-'.repeat(70_000)}abcd1234`), '…1234');
  },
);

test('through the batched destination, the line writer writes the bytes pino writes, non-ASCII and all', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const fields = { ...FIELDS, upstream: rawJson('[{"key":"sk-…a1b2","note":"é"}]', true) };
  const pinoPath = join(ws.dir, 'pino.log');
  const writerPath = join(ws.dir, 'writer.log');
  const viaPino = batchedDestination({ dest: pinoPath });
  const viaWriter = batchedDestination({ dest: writerPath });
  const { upstream, ...plain } = fields;
  createLogger({ level: 'info', destination: viaPino }).info(
    { ...plain, upstream: JSON.parse(upstream.json) },
    'request',
  );
  const write = lineWriter(createLogger({ level: 'info', destination: viaWriter }));
  // Twice: the second line's texts come from what the writer kept.
  write('info', fields, 'request');
  write('info', fields, 'request');
  viaPino.close();
  viaWriter.close();
  const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');
  const expected = withoutTime(readFileSync(pinoPath, 'utf8'));
  assert.match(expected, /sk-…a1b2/);
  assert.deepEqual(readFileSync(writerPath, 'utf8').split('\n').filter(Boolean).map(withoutTime), [
    expected.trimEnd(),
    expected.trimEnd(),
  ]);
});

test('through the batched destination, pre-rendered values in turn are each written as their own bytes', async (t) => {
  const ws = tempWorkspace();
  t.after(() => ws.cleanup());
  const path = join(ws.dir, 'writer.log');
  const dest = batchedDestination({ dest: path });
  const write = lineWriter(createLogger({ level: 'info', destination: dest }));
  const texts = ['[{"key":"sk-…a1b2"}]', '[{"key":"sk-…c3d4"}]', '[{"key":"none"}]', '[{"note":"é"}]'];
  const values = texts.map((text) => ({ json: text }));
  // The same objects again and again, one after another and in turn, and an equal text made anew.
  const order = [0, 0, 1, 1, 0, 2, 1, 2, 3, 0];
  for (const i of order) write('info', { upstream: values[i]! }, 'request');
  write('info', { upstream: { json: [...texts[1]!].join('') } }, 'request');
  dest.close();
  const written = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.stringify((JSON.parse(line) as { upstream: unknown }).upstream));
  assert.deepEqual(
    written,
    [...order, 1].map((i) => JSON.stringify(JSON.parse(texts[i]!))),
  );
});
