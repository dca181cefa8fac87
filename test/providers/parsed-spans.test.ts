// An agent's repeated turn parsed from its bytes: the messages it shares with an earlier turn are that turn's values,
// frozen, so no request can change another's; a message that changed, and every body that is not shared, is parsed
// anew. Read exactly as JSON.parse reads the whole text either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseJsonBytes } from '../../src/providers/translate/json-pieces.ts';

/** An agent's turn of about 80 KB, unique to the call. */
function turn(run = randomUUID(), extra: object[] = []): { messages: object[]; model: string } {
  const messages = Array.from({ length: 40 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `turn ${i} of ${run}: ${'the build passes and the tests are green; '.repeat(48)}`,
  }));
  return { model: 'm', messages: [...messages, ...extra] };
}

type Body = { messages: object[] };

test("a repeated turn's messages are the values parsed before, frozen; a new or changed one is parsed anew", () => {
  const run = randomUUID();
  const first = parseJsonBytes(Buffer.from(JSON.stringify(turn(run))), { share: true }).value as Body;
  const next = turn(run, [{ role: 'user', content: 'and now?' }]);
  const second = parseJsonBytes(Buffer.from(JSON.stringify(next)), { share: true }).value as Body;
  assert.deepEqual(second, next);
  for (let i = 0; i < 40; i++) assert.equal(second.messages[i], first.messages[i], `message ${i} is shared`);
  assert.ok(Object.isFrozen(second.messages[0]));
  assert.throws(() => {
    (second.messages[0] as { content: string }).content = 'changed';
  }, TypeError);
  assert.ok(!Object.isFrozen(second) && !Object.isFrozen(second.messages), 'the body and its lists are its own');
  const changed = turn(run);
  (changed.messages[3] as { content: string }).content += '!';
  const third = parseJsonBytes(Buffer.from(JSON.stringify(changed)), { share: true }).value as Body;
  assert.notEqual(third.messages[3], first.messages[3]);
  assert.deepEqual(third.messages[3], changed.messages[3]);
});

test('a body parsed without sharing is its own, however often the same bytes come', () => {
  const bytes = Buffer.from(JSON.stringify(turn()));
  const a = parseJsonBytes(bytes).value as Body;
  const b = parseJsonBytes(bytes).value as Body;
  assert.notEqual(a.messages[0], b.messages[0]);
  assert.ok(!Object.isFrozen(a.messages[0]));
});

test('a body that is itself an array (a JSON-RPC batch) never shares its elements', () => {
  const batch = Array.from({ length: 30 }, (_, i) => ({
    jsonrpc: '2.0',
    id: i,
    method: 'x',
    params: { pad: 'p'.repeat(3000) },
  }));
  const bytes = Buffer.from(JSON.stringify(batch));
  const a = parseJsonBytes(bytes, { share: true }).value as object[];
  const b = parseJsonBytes(bytes, { share: true }).value as object[];
  assert.deepEqual(a, batch);
  assert.notEqual(a[0], b[0]);
  assert.ok(!Object.isFrozen(a[0]));
});

/** A parse's element spans without their hashes, and its members: what a walk that scanned every byte finds. */
function layout(parsed: ReturnType<typeof parseJsonBytes>): unknown {
  return { spans: parsed.elements?.map((s) => [s.start, s.end]), members: parsed.members };
}

/** `body` (as `text`) parsed with sharing on: the same value and spans as a scan of its bytes finds, or the test
 * fails. */
function readShared(body: object, text = JSON.stringify(body)): Body {
  const bytes = Buffer.from(text);
  const shared = parseJsonBytes(bytes, { share: true });
  assert.deepEqual(shared.value, JSON.parse(text));
  assert.deepEqual(layout(shared), layout(parseJsonBytes(bytes)), 'the spans and members a scan finds');
  return shared.value as Body;
}

test("a next turn's messages are found where the last turn's ended, checked by hash; a turn that went another way reads the same", () => {
  const run = randomUUID();
  const deep = { role: 'user', content: [{ type: 'text', text: 'nested', meta: { a: [[[{ b: 1 }]]] } }] };
  const base = turn(run, [deep]);
  parseJsonBytes(Buffer.from(JSON.stringify(base)), { share: true });
  // The next turn: every message where the last list says, then a new one.
  const next = readShared(turn(run, [deep, { role: 'assistant', content: 'done' }]));
  assert.equal(next.messages.length, 42);
  // Another way: a message of the same length but other bytes, then every later one moved by a longer one.
  const other = turn(run, [deep]);
  (other.messages[5] as { content: string }).content = (other.messages[5] as { content: string }).content.replace(
    'turn 5',
    'turn X',
  );
  (other.messages[6] as { content: string }).content += ' and more';
  readShared(other);
  // Fewer messages than the last list, the last one shorter than its guess would reach: the guess runs past the end.
  readShared({ model: 'm', messages: turn(run).messages.slice(0, 3) });
  // The same messages with space between them: each guessed span is whole, the space after it is the walk's.
  readShared(turn(run, [deep]), JSON.stringify(turn(run, [deep]), null, 2));
});

test("a next turn whose newest messages changed, as an agent's cache marks move, reads the same and shares the rest", () => {
  const run = randomUUID();
  const marked = (m: object): object => ({ ...m, cache_control: { type: 'ephemeral' } });
  const messages = turn(run).messages;
  // The last turn's two newest messages carry marks: the next turn sends them without.
  const base = { model: 'm', messages: [...messages.slice(0, -2), ...messages.slice(-2).map(marked)] };
  const first = parseJsonBytes(Buffer.from(JSON.stringify(base)), { share: true }).value as Body;
  const next = readShared({ model: 'm', messages: [...messages, marked({ role: 'user', content: 'and now?' })] });
  assert.equal(next.messages.length, 41);
  for (let i = 0; i < 38; i++) assert.equal(next.messages[i], first.messages[i], `message ${i} is shared`);
  assert.deepEqual(next.messages.slice(38, 40), messages.slice(38), 'the unmarked messages are their own values');
  // The turn after it again, and one cut short of where the last tail reached: read as a scan reads them.
  readShared({
    model: 'm',
    messages: [...messages, { role: 'user', content: 'and now?' }, marked({ role: 'user', content: 'go' })],
  });
  readShared({ model: 'm', messages: messages.slice(0, 36) });
  // A message changed inside what the tail covered: the tail's hash misses and each message is checked on its own.
  const changed = messages.map((m, i) => (i === 20 ? { ...m, content: 'other' } : m));
  const other = readShared({ model: 'm', messages: changed });
  assert.equal(other.messages[19], first.messages[19]);
  assert.notEqual(other.messages[20], first.messages[20]);
});

test("a new conversation that opens as another did reads the same, its first message the other's value", () => {
  const system = { role: 'system', content: `${randomUUID()} ${'you are a careful agent; '.repeat(40)}`, d: [[[1]]] };
  const opening = (run: ReturnType<typeof randomUUID>): Body => ({ messages: [system, ...turn(run).messages] });
  const first = readShared(opening(randomUUID()));
  const other = readShared(opening(randomUUID()));
  assert.equal(other.messages[0], first.messages[0], 'the opening message is shared');
  assert.notEqual(other.messages[1], first.messages[1]);
  // A first element whose bytes begin as a known one's and go on: found by a scan after all.
  const numbers = (head: number): object => ({ n: [head, 'x'.repeat(50 * 1024)] });
  readShared(numbers(12));
  readShared(numbers(123));
  readShared(numbers(12));
});

test("Claude Code's captured turns read as JSON.parse reads them, each turn's tools the last turn's values", () => {
  const dir = new URL('../fixtures/clients/claude-code-2.1.331/', import.meta.url);
  for (const run of ['failover', 'compaction-beta', 'mcp-tool']) {
    let last: { tools: object[] } | undefined;
    for (let seq = 1; seq <= 3; seq++) {
      let captured: { request: { body: object } };
      try {
        captured = JSON.parse(readFileSync(new URL(`${run}-${seq}.json`, dir), 'utf8')) as typeof captured;
      } catch {
        break;
      }
      // Padded past the size an unshared body is walked from, so that a scan's spans can be compared.
      const bytes = Buffer.from(JSON.stringify({ ...captured.request.body, padding: 'p'.repeat(50_000) }));
      const shared = parseJsonBytes(bytes, { share: true });
      assert.deepEqual(shared.value, JSON.parse(bytes.toString()), `${run}-${seq}`);
      assert.deepEqual(layout(shared), layout(parseJsonBytes(bytes)), `${run}-${seq}: the spans a scan finds`);
      const value = shared.value as { tools: object[] };
      if (last !== undefined)
        assert.equal(value.tools.at(-1), last.tools.at(-1), `${run}-${seq}: the tools are shared`);
      last = value;
    }
  }
});
