// A large body parsed in pieces from its bytes reads exactly as JSON.parse reads the whole text: the same value, the
// same refusal, the same top-level members as splice.ts finds, for bodies of agents' sizes and for hostile ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonBytes } from '../../src/providers/translate/json-pieces.ts';
import { topMembers } from '../../src/providers/translate/splice.ts';

/** A deterministic generator, so a failure names the seed that made it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const WORDS = ['tool', 'é', '—', '"quoted"', 'back\\slash', 'line\nbreak', '\u2028', '😀', '\\u0041', 'plain'];

function value(r: () => number, depth: number, budget: { bytes: number }): unknown {
  const pick = r();
  if (depth > 6 || budget.bytes <= 0 || pick < 0.3) {
    const leaf = r();
    if (leaf < 0.6) {
      let s = '';
      const n = Math.floor(r() * (r() < 0.05 ? 40_000 : 60));
      for (let i = 0; i < n; i++) s += WORDS[Math.floor(r() * WORDS.length)];
      budget.bytes -= s.length;
      return s;
    }
    if (leaf < 0.8) return Math.floor(r() * 1e6) / (r() < 0.5 ? 1 : 7);
    return [true, false, null][Math.floor(r() * 3)];
  }
  if (pick < 0.65) return Array.from({ length: Math.floor(r() * 12) }, () => value(r, depth + 1, budget));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(r() * 8); i > 0; i--)
    o[`k${Math.floor(r() * 20)}${WORDS[i % 3]}`] = value(r, depth + 1, budget);
  return o;
}

/** JSON with space in the places JSON allows it. */
function spaced(text: string, r: () => number): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (c === '"' && text[i - 1] !== '\\') inString = !inString;
    else if (!inString && (c === ',' || c === ':' || c === '[' || c === '{') && r() < 0.3)
      out += r() < 0.5 ? ' ' : '\n\t';
  }
  return out;
}

function bodyOf(seed: number): string {
  const r = rng(seed);
  const messages: unknown[] = [];
  const budget = { bytes: 400_000 };
  while (budget.bytes > 0) messages.push({ role: 'user', content: value(r, 1, budget) });
  return spaced(JSON.stringify({ model: 'main', messages, tools: value(r, 1, { bytes: 60_000 }), stream: true }), r);
}

test('a large body parsed in pieces is the value JSON.parse makes of the whole', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const text = bodyOf(seed);
    const bytes = Buffer.from(text);
    assert.ok(bytes.length > 100_000, `seed ${seed}: ${bytes.length} bytes`);
    const parsed = parseJsonBytes(bytes);
    assert.deepEqual(parsed.value, JSON.parse(text), `seed ${seed}`);
    assert.deepEqual(parsed.members, topMembers(bytes), `seed ${seed}: the members splice.ts would find`);
  }
});

test('a broken large body is refused with the whole text’s SyntaxError, wherever it breaks', () => {
  const text = bodyOf(3);
  const r = rng(99);
  const breakers = ['}', ']', ',', '"', ':', 'x', '\\', '\u0001', ' ,', '{'];
  for (let n = 0; n < 60; n++) {
    const at = Math.floor(r() * text.length);
    // As bytes: a surrogate pair cut in half is sent as U+FFFD, and read back so by both.
    const bytes = Buffer.from(text.slice(0, at) + breakers[n % breakers.length] + text.slice(at + 1));
    let expected: unknown;
    let error: string | undefined;
    try {
      expected = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      error = (err as Error).message;
    }
    if (error === undefined) assert.deepEqual(parseJsonBytes(bytes).value, expected, `at ${at}`);
    else assert.throws(() => parseJsonBytes(bytes), { name: 'SyntaxError', message: error }, `at ${at}`);
  }
});

test('a large body keeps a __proto__ key as its own, takes the last of two keys, and passes no members on', () => {
  const big = 'x'.repeat(60_000);
  const text = `{"__proto__":{"polluted":"yes"},"model":"a","messages":[{"content":"${big}"},{"content":"${big}"}],"model":"b"}`;
  const parsed = parseJsonBytes(Buffer.from(text));
  assert.deepEqual(parsed.value, JSON.parse(text));
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(parsed.value), Object.prototype);
  assert.equal((parsed.value as Record<string, unknown>)['model'], 'b');
  assert.equal(parsed.members, null, 'a key twice: its bytes are never passed on');
});

test('a byte-order mark, a top-level array and a body of one long string are read as JSON.parse reads them', () => {
  const long = JSON.stringify('é'.repeat(80_000));
  const array = `[${long}, 1, {"a": [${long}]}]`;
  assert.deepEqual(parseJsonBytes(Buffer.from(`\uFEFF${array}`)).value, JSON.parse(array));
  assert.deepEqual(parseJsonBytes(Buffer.from(long)).value, JSON.parse(long));
  assert.deepEqual(parseJsonBytes(Buffer.from(`{"a":1}`)).value, { a: 1 });
  assert.throws(() => parseJsonBytes(Buffer.from(`${array} x`)), SyntaxError);
});

test('a body large and nested thousands deep is parsed as JSON.parse parses it, not run out of stack', () => {
  let schema = '{"type":"string"}';
  for (let i = 0; i < 20_000; i++) schema = `{"type":"object","properties":{"a":${schema}}}`;
  const text = `{"model":"m","tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
  // Compared by its shape: a deep comparison of 40,000 levels would itself run out of stack.
  const parsed = parseJsonBytes(Buffer.from(text));
  const tool = (parsed.value as { tools: { function: { name: string; parameters: { type: string } } }[] }).tools[0]!;
  assert.equal(tool.function.name, 'f');
  assert.equal(tool.function.parameters.type, 'object');
  assert.equal(parsed.members?.depth, 40_005, 'as deep as splice.ts would find it');
});
