// Prompt-cache affinity's hashes (credentials/affinity.ts, credentials/prefix-chain.ts): a chain of one fast hash per
// message, fed canonical messages or the caller's own bytes, continued from an earlier turn's hash, and a record kept
// under the SHA-256 hashes of before simply missing in a state file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { continuePrefix, prefixHashes, type MessageSpan, type SpanMessages } from '../../src/credentials/affinity.ts';
import { startAffinity } from '../../src/routing/affinity-step.ts';
import { openStore } from '../../src/state/open.ts';
import type { AffinityRecord } from '../../src/state/types.ts';
import type { ChatMessage, ToolDefinition } from '../../src/providers/types.ts';
import { tempWorkspace } from '../helpers/tmp.ts';
import { loadedFrom } from './loaded.ts';
import { share } from '../../src/shared-value.ts';

const SYSTEM = `You are a coding agent. ${'Follow the house style. '.repeat(60)}`;
const turn1: ChatMessage[] = [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: 'fix the failing test' },
];
const turn2: ChatMessage[] = [
  ...turn1,
  { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'read', arguments: '{"path":"a.ts"}' }] },
  { role: 'tool', content: 'export const a = 1;', tool_call_id: 'c1' },
  { role: 'user', content: 'and the docs' },
];

/** Each message as its bytes in an OpenAI body: what a request forwarded as it came would hand over. */
const spanList = (messages: readonly ChatMessage[]): MessageSpan[] =>
  messages.map((m) => {
    const bytes = Buffer.from(JSON.stringify(m));
    return { size: bytes.length, bytes };
  });

/** The messages with their spans, as a prompt read from the caller's bytes gives them. */
const spansOf = (messages: readonly ChatMessage[], spans = spanList(messages)): SpanMessages => ({
  canonical: messages,
  spanAt: (i) => spans[i]!,
});

/** The hash a turn was remembered under before the chain: SHA-256 over the same text, whole. */
function sha256Whole(scope: string, messages: readonly ChatMessage[]): string {
  let text = `${scope}\u0000`;
  for (const m of messages) {
    text += `\u001e${m.role}\u0001${m.content ?? ''}`;
    for (const c of m.tool_calls ?? []) text += `\u0002${c.name}\u0003${c.arguments}`;
    if (m.tool_call_id !== undefined) text += `\u0004${m.tool_call_id}`;
  }
  return createHash('sha256').update(text).digest('base64url');
}

const record = (hash: string, at: number): AffinityRecord => ({
  hash,
  provider: 'p',
  route: 'p/m',
  fingerprint: 'fp-earlier',
  tokens: 100,
  at,
  expires_at: at + 600_000,
});

describe('prefix hashes', () => {
  it("an earlier turn's hash continued with the messages after it is the later turn's", () => {
    const first = prefixHashes('main', turn1, undefined);
    const second = prefixHashes('main', turn2, undefined);
    assert.equal(continuePrefix(first.whole.hash, turn2.slice(turn1.length)), second.whole.hash);
    const spans = spanList(turn2);
    assert.equal(
      continuePrefix(prefixHashes('main', spansOf(turn1, spans.slice(0, 2)), undefined).whole.hash, spans.slice(2)),
      prefixHashes('main', spansOf(turn2, spans), undefined).whole.hash,
    );
  });

  it('tools count by name, description and order, alike whether an earlier turn shared them or not', () => {
    const read: ToolDefinition = { name: 'read', description: 'Reads a file.', parameters: { type: 'object' } };
    const write: ToolDefinition = { name: 'write', description: 'Writes a file.', parameters: { type: 'object' } };
    const hash = (tools: ToolDefinition[]) => prefixHashes('main', turn2, tools).whole.hash;
    const plain = hash([read, write]);
    assert.equal(hash([share(structuredClone(read)), share(structuredClone(write))]), plain, 'shared tools hash alike');
    assert.equal(
      hash([share(structuredClone(read)), share(structuredClone(write))]),
      plain,
      'and again, from what was kept',
    );
    assert.equal(hash([read, { ...write, parameters: { type: 'object', required: [] } }]), plain, 'schemas left out');
    assert.notEqual(hash([write, read]), plain, 'order');
    assert.notEqual(hash([read, { ...write, description: 'Writes a file whole.' }]), plain, 'description');
    assert.notEqual(hash([read, { ...write, name: 'put' }]), plain, 'name');
    assert.notEqual(hash([read]), plain, 'a tool fewer');
    assert.notEqual(hash([]), plain);
  });

  it('byte spans are looked up at the same turns as messages, and never hash as the messages do', () => {
    const first = prefixHashes('main', spansOf(turn1), undefined);
    const second = prefixHashes('main', spansOf(turn2), undefined);
    assert.equal(second.lookups.length, 1);
    assert.equal(second.lookups[0]!.hash, first.whole.hash);
    assert.equal(prefixHashes('main', spansOf(turn2), Buffer.from('[{"name":"read"}]')).lookups.length, 1);
    const canonical = prefixHashes('main', turn2, undefined);
    assert.notEqual(second.whole.hash, canonical.whole.hash);
    assert.notEqual(second.conversation, canonical.conversation);
    assert.notEqual(second.lookups[0]!.hash, canonical.lookups[0]!.hash);
  });

  it('a cache mark on a message read as spans places a lookup after it', () => {
    const marked: ChatMessage[] = [{ ...turn1[0]!, cache_control: { type: 'ephemeral' } }, turn1[1]!];
    const hashes = prefixHashes('main', spansOf(marked), undefined);
    assert.deepEqual(
      hashes.lookups.map((l) => l.hash),
      [prefixHashes('main', spansOf(marked.slice(0, 1)), undefined).whole.hash],
    );
  });

  it("a later turn of shared messages hashes only what it added, and its hashes are the whole prompt's", () => {
    // The canonical messages as a turn's parse shares them, and their spans, counting those asked for.
    const messages = turn2.map((m) => share({ ...m }));
    const spans = spanList(turn2);
    let asked = 0;
    const counted = (list: readonly ChatMessage[]): SpanMessages => ({
      canonical: list,
      spanAt: (i) => {
        asked++;
        return spans[i]!;
      },
    });
    const tools = Buffer.from('[{"name":"read"}]');
    const first = prefixHashes('main', counted(messages.slice(0, 2)), tools);
    assert.equal(asked, 2);
    asked = 0;
    const second = prefixHashes('main', counted(messages), tools);
    assert.equal(asked, 3, 'the two messages the first turn sent are not hashed again');
    // The same messages, not shared: hashed whole, as they were before any turn was kept.
    const whole = (scope: string) => prefixHashes(scope, spansOf(structuredClone(turn2), spans), tools);
    assert.deepEqual(second, whole('main'));
    assert.equal(second.lookups[0]!.hash, first.whole.hash);
    asked = 0;
    const other = prefixHashes('other', counted(messages), tools);
    assert.equal(asked, 5, 'another scope starts another chain');
    assert.deepEqual(other, whole('other'));
  });

  it('a turn whose last kept message came back changed (a moved cache mark) takes the chain up to it', () => {
    const shared = turn2.map((m) => share({ ...m }));
    const earlier = prefixHashes('main', shared.slice(0, 4), undefined);
    // The previous turn's last message comes back as another object; one message more after it.
    const next = [...shared.slice(0, 3), { ...shared[3]! }, shared[4]!];
    const later = prefixHashes('main', next, undefined);
    const fresh = prefixHashes('main', structuredClone(turn2), undefined);
    assert.deepEqual(later, fresh);
    assert.equal(continuePrefix(earlier.whole.hash, turn2.slice(4)), later.whole.hash);
    // A message changed in the middle is a new object: the chain is not taken past it.
    const edited = [...shared.slice(0, 2), share({ ...turn2[2]!, content: 'another call' }), ...shared.slice(3)];
    const changed = structuredClone(turn2);
    changed[2] = { ...changed[2]!, content: 'another call' };
    assert.deepEqual(prefixHashes('main', edited, undefined), prefixHashes('main', changed, undefined));
  });

  it('a record kept under the SHA-256 hash of before misses in the state file; one under the new hash is found', async () => {
    using ws = tempWorkspace();
    const loaded = loadedFrom({
      providers: { p: { type: 'openai', base_url: 'http://127.0.0.1:9/v1', api_keys: ['sk-a', 'sk-b'] } },
      main: { provider: 'p', model: 'm' },
    });
    const call = { task: 'main', override: undefined, messages: turn2, tools: undefined };
    const now = Date.now();
    const old = openStore({ home: ws.home });
    old.setAffinity(record(sha256Whole('main', turn1), now));
    await old.close();
    const reopened = openStore({ home: ws.home });
    try {
      assert.equal(reopened.listAffinity(now).length, 1, 'the old record is read back from the file');
      const missed = startAffinity(loaded, reopened, () => now, call);
      assert.notEqual(missed, undefined);
      assert.equal(missed!.found, undefined);
      reopened.setAffinity(record(prefixHashes('main', turn1, undefined).whole.hash, now));
      assert.equal(startAffinity(loaded, reopened, () => now, call)?.found?.fingerprint, 'fp-earlier');
    } finally {
      await reopened.close();
    }
  });
});
