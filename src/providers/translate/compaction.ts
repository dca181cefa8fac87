// Anthropic's server-side compaction (`compaction` blocks) for routes that have none: the block's summary stands for
// everything before it, as Anthropic's API itself drops what precedes the block. A route that is not Anthropic's is
// sent the system messages, the summary as a user message, then what followed the block.
import type { ChatMessage, CompactionPart } from '../types.ts';
import { textOfParts } from './parts.ts';

/** A compaction block's fields other than its type and summary, when it has any: Anthropic wants them back verbatim. */
export function compactionFields(block: Record<string, unknown>): Record<string, unknown> | undefined {
  const { type: _type, content, ...rest } = block;
  const fields: Record<string, unknown> = content === null ? { ...rest, content: null } : rest;
  for (const k of Object.keys(fields)) if (fields[k] === undefined) delete fields[k];
  return Object.keys(fields).length > 0 ? fields : undefined;
}

const isCompaction = (p: { type: string }): p is CompactionPart => p.type === 'compaction';

/** How a summary is put to a model that has no compaction blocks. */
export const compactionText = (summary: string): string => `[summary of the earlier conversation]\n${summary}`;

/** The messages as a route without compaction blocks reads them: unchanged when none holds one. */
export function withoutCompaction(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  let at = -1;
  for (let i = messages.length - 1; i >= 0 && at < 0; i--) if (messages[i]!.parts?.some(isCompaction)) at = i;
  if (at < 0) return messages;
  const m = messages[at]!;
  const parts = m.parts!;
  let k = parts.length - 1;
  while (!isCompaction(parts[k]!)) k--;
  const summary = (parts[k] as CompactionPart).content;
  const out: ChatMessage[] = messages.slice(0, at).filter((x) => x.role === 'system');
  out.push({ role: 'user', content: compactionText(summary) });
  const rest = parts.slice(k + 1);
  if (rest.length > 0 || m.tool_calls !== undefined) {
    const kept: ChatMessage = { ...m, content: rest.length > 0 ? textOfParts(rest) : null };
    if (rest.length > 0) kept.parts = rest;
    else delete kept.parts;
    out.push(kept);
  }
  out.push(...messages.slice(at + 1));
  return out;
}
