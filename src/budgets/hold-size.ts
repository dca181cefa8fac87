// How many prompt tokens a hold counts before the upstream has said: an upper bound rather than a guess, since a
// hold below the real usage is what would let racing requests overshoot a cap by more than one hold. UTF-8 bytes / 3
// is above the real count for English (~4 bytes a token) and CJK (3 bytes a character, about a token each), plus a
// few tokens a message for the roles and separators providers add.
import type { ChatMessage } from '../providers/types.ts';

const PER_MESSAGE = 4;

export function holdInputTokens(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const m of messages) {
    if (m.content) bytes += Buffer.byteLength(m.content, 'utf8');
    for (const t of m.tool_calls ?? []) bytes += t.name.length + Buffer.byteLength(t.arguments, 'utf8');
  }
  return Math.ceil(bytes / 3) + PER_MESSAGE * messages.length;
}
