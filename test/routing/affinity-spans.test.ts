// A prompt read from the caller's bytes (routing/affinity-spans.ts): each message's span is the bytes it came as, with
// the hash the parse took, found among the body's spans wherever its messages member stands.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { xxh64 } from '@node-rs/xxhash';
import { spanPrompt } from '../../src/routing/affinity-spans.ts';
import { parseJsonBytes } from '../../src/providers/translate/json-pieces.ts';
import type { ChatMessage, WireBody } from '../../src/providers/types.ts';

const TOOLS = [
  { type: 'function', function: { name: 'read', description: 'Reads a file.', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'edit', description: 'Edits a file.', parameters: { type: 'object' } } },
];
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: `You are a coding agent. ${'Follow the house style. '.repeat(900)}` },
  { role: 'user', content: 'fix the failing test' },
  { role: 'assistant', content: 'Reading it.' },
  { role: 'user', content: 'and the docs' },
];

/** A body over the size parsed in pieces, its tools before its messages, read as the gateway reads it. */
function wireOf(body: Record<string, unknown>, messages: readonly ChatMessage[]): WireBody {
  const bytes = Buffer.from(JSON.stringify(body));
  const parsed = parseJsonBytes(bytes, { share: true });
  assert.ok(parsed.elements !== undefined && parsed.elements.length === TOOLS.length + MESSAGES.length);
  return {
    shape: 'openai_chat',
    bytes,
    body: parsed.value as Record<string, unknown>,
    elements: parsed.elements,
    members: parsed.members ?? null,
    request: { messages } as WireBody['request'],
  };
}

describe('a prompt read as spans', () => {
  it("each message's span is its own bytes and their hash, past the tools' spans before them", () => {
    const messages = MESSAGES.map((m) => ({ ...m }));
    const wire = wireOf({ model: 'm', tools: TOOLS, messages: MESSAGES }, messages);
    const prompt = spanPrompt(wire, messages);
    assert.ok(prompt !== undefined);
    assert.equal(prompt.messages.canonical, messages);
    MESSAGES.forEach((m, i) => {
      const bytes = Buffer.from(JSON.stringify(m));
      assert.deepEqual(prompt.messages.spanAt(i), { size: bytes.length, hash: xxh64(bytes) }, `message ${i}`);
    });
    assert.equal(Buffer.from(prompt.tools!).toString(), JSON.stringify(TOOLS));
  });

  it("messages that are not the wire's one for one are hashed from their text", () => {
    const messages = MESSAGES.slice(1).map((m) => ({ ...m }));
    assert.equal(spanPrompt(wireOf({ model: 'm', tools: TOOLS, messages: MESSAGES }, messages), messages), undefined);
    const more = [...MESSAGES, { role: 'user' as const, content: 'one more' }];
    assert.equal(spanPrompt(wireOf({ model: 'm', tools: TOOLS, messages: MESSAGES }, more), more), undefined);
  });
});
