// What compression does to a history (docs/chat.md), as pure functions: when to trigger, which messages are protected
// and which middle part is summarised, and the text of the summary request and of the truncation marker.
import type { ChatMessage } from '../providers/types.ts';
import type { MessageRecord } from '../state/types.ts';

export interface CompressionSettings {
  threshold: number;
  protect_first: number;
  protect_last: number;
}

export type CompressionPlan =
  { ok: true; head: MessageRecord[]; middle: MessageRecord[]; tail: MessageRecord[] } | { ok: false; why: string };

/** Summarising a single message saves nothing worth a model call. */
export const MIN_MIDDLE_MESSAGES = 2;

/** The token count at which automatic compression starts; undefined when the window is unknown (then only
 * `/compress` compresses). */
export function triggerTokens(contextWindow: number | undefined, threshold: number): number | undefined {
  if (contextWindow === undefined || contextWindow <= 0) return undefined;
  return Math.floor(contextWindow * threshold);
}

export function shouldCompress(promptTokens: number, contextWindow: number | undefined, threshold: number): boolean {
  const trigger = triggerTokens(contextWindow, threshold);
  return trigger !== undefined && promptTokens >= trigger;
}

/** Splits the history into protected head, summarisable middle and protected tail. */
export function planCompression(messages: readonly MessageRecord[], settings: CompressionSettings): CompressionPlan {
  const head = messages.slice(0, settings.protect_first);
  const tailStart = Math.max(head.length, messages.length - settings.protect_last);
  const middle = messages.slice(head.length, tailStart);
  if (middle.length < MIN_MIDDLE_MESSAGES) {
    return {
      ok: false,
      why:
        `nothing to compress: ${messages.length} message(s), the first ${settings.protect_first} and last ` +
        `${settings.protect_last} are protected (auxiliary.compression.protect_first / protect_last)`,
    };
  }
  return { ok: true, head, middle, tail: messages.slice(tailStart) };
}

const SUMMARY_INSTRUCTIONS =
  "You compress the middle of a long conversation so it can continue within the model's context window. " +
  'Summarise the messages below: keep every fact, decision, name, number, file path and open question the ' +
  'conversation may need later; drop pleasantries and repetition. Write the summary as plain prose or a short ' +
  'list, in the language of the conversation. Reply with the summary only.';

/** The `compression` task's request: instructions plus the middle as a transcript. */
export function summaryRequest(middle: readonly MessageRecord[]): ChatMessage[] {
  const transcript = middle.map((m) => `${labelOf(m)}: ${m.content}`).join('\n\n');
  return [
    { role: 'system', content: SUMMARY_INSTRUCTIONS },
    { role: 'user', content: `Conversation excerpt (${middle.length} messages):\n\n${transcript}` },
  ];
}

export function summaryContent(count: number, summary: string): string {
  return `[summary of ${count} earlier messages]\n${summary.trim()}`;
}

/** The marker that stands, in the prompt only, for messages left out because no summary could be made. The messages
 * themselves stay in the session, so a later compression can still summarise them. */
export function omissionContent(count: number, explanation: string): string {
  return `[compressed: ${count} earlier messages left out of this prompt — summary failed: ${explanation}]`;
}

const COVERED = /^\[(?:summary of|compressed:) (\d+) earlier messages/;

/** How many original messages these records stand for, counting a summary as those it replaced so a second
 * compression keeps the running total. */
export function coveredCount(messages: readonly MessageRecord[]): number {
  let n = 0;
  for (const m of messages) {
    const covered = m.kind !== undefined ? COVERED.exec(m.content)?.[1] : undefined;
    n += covered !== undefined ? Number(covered) : 1;
  }
  return n;
}

function labelOf(m: MessageRecord): string {
  if (m.kind === 'summary') return 'Earlier summary';
  if (m.kind === 'truncation') return 'Note';
  return m.role === 'assistant' ? 'Assistant' : m.role === 'user' ? 'User' : m.role === 'tool' ? 'Tool' : 'System';
}
