// A prompt read from the caller's bytes, for prompt-cache affinity: each message as its span of the body, whose
// xxHash64 the parse already took (json-pieces.ts), and the tools as their member's bytes, so a request's messages are
// not encoded and hashed again as text. For an OpenAI chat body read from its bytes whose messages no step changed
// (a body parsed in pieces, over 16 KB, comes with its spans and their hashes; a smaller one is read for them); any
// other prompt is hashed from its canonical messages (credentials/affinity.ts says why the two never meet). Not for
// Anthropic's: its callers move their cache mark to the newest message on every turn, which changes an earlier
// message's bytes but not its text.
import type { ChatMessage, WireBody } from '../providers/types.ts';
import type { ByteSpan, Member } from '../providers/translate/json-scan.ts';
import type { MessageSpan, SpanMessages } from '../credentials/affinity.ts';
import { elementSpans, wireMembers } from '../providers/translate/splice.ts';
import { madeOncePerShared } from '../shared-value.ts';

export interface SpanPrompt {
  messages: SpanMessages;
  tools: Uint8Array | undefined;
}

/** The prompt as spans of the caller's body, or undefined when it must be hashed from its canonical messages. */
export function spanPrompt(wire: WireBody | undefined, messages: readonly ChatMessage[]): SpanPrompt | undefined {
  if (wire === undefined || wire.shape !== 'openai_chat' || wire.request.messages !== messages) return undefined;
  const members = wireMembers(wire);
  if (members === undefined) return undefined;
  const member = (key: string): Member | undefined => members.list.find((m) => m.key === key);
  const listed = member('messages');
  if (listed === undefined) return undefined;
  // A body parsed in pieces has its spans, and their hashes; a smaller one is read for them here.
  const found = wire.elements === undefined ? elementSpans(wire.bytes, listed) : wire.elements;
  if (found === undefined) return undefined;
  const from = wire.elements === undefined ? 0 : firstInside(found, listed);
  // One wire message, one canonical message.
  if (!onlyInside(found, from, messages.length, listed)) return undefined;
  const bytes = wire.bytes;
  return {
    messages: { canonical: messages, spanAt: (i) => messageSpan(messages[i]!, bytes, found[from + i]!) },
    tools: valueBytes(bytes, member('tools')),
  };
}

/** The index of the first span inside the member (the body's spans are in order): no list is made of them, for a
 * long conversation's hundreds. */
function firstInside(spans: readonly ByteSpan[], m: Member): number {
  let i = 0;
  while (i < spans.length && spans[i]!.start < m.valueStart) i++;
  return i;
}

/** Whether exactly `count` spans from `from` on are inside the member. */
function onlyInside(spans: readonly ByteSpan[], from: number, count: number, m: Member): boolean {
  if (from + count > spans.length) return false;
  if (count > 0 && spans[from + count - 1]!.end > m.valueEnd) return false;
  const next = spans[from + count];
  return next === undefined || next.start >= m.valueEnd;
}

/** A message's span, made once for a shared message: its canonical form was made from these same bytes (parsed-spans
 * keeps a value by its bytes' hash), so its span is the same on every turn. */
const messageSpan = madeOncePerShared(spanOf);

/** A message's span: its hash when the parse took one (no view of its bytes is made), else its bytes. */
function spanOf(_message: ChatMessage, bytes: Buffer, e: ByteSpan): MessageSpan {
  const size = e.end - e.start;
  return e.hash !== undefined ? { size, hash: e.hash } : { size, bytes: bytes.subarray(e.start, e.end) };
}

const valueBytes = (bytes: Buffer, m: Member | undefined): Uint8Array | undefined =>
  m === undefined ? undefined : bytes.subarray(m.valueStart, m.valueEnd);
