// The simulator's extended thinking: a thinking block opening each Anthropic answer when the request turns thinking
// on, signed so that the request checks can tell a block it issued (docs/simulator.md#answers).
import { createHash } from 'node:crypto';
import { blocksOf, isObject, type Json } from './json.ts';

/** A thinking block as the simulator writes it. */
export interface SimThinking {
  thinking: string;
  signature: string;
}

/** Deterministic, so a test can predict it, and tied to the text, so an edited block fails as Anthropic's do. */
export function simSignature(thinking: string): string {
  return `sim-sig-${createHash('sha256').update(`switchyard-sim\u0000${thinking}`).digest('base64url')}`;
}

/** Whether the request turns thinking on (`enabled` or `adaptive`), and if so whether it asks for the text
 * (`display: "omitted"`, as Claude Code sends, asks for the signature alone). */
export function thinkingOf(body: Json): 'off' | 'shown' | 'omitted' {
  const thinking = body['thinking'];
  if (!isObject(thinking) || thinking['type'] === 'disabled') return 'off';
  return thinking['display'] === 'omitted' ? 'omitted' : 'shown';
}

export function simThinking(about: string, display: 'shown' | 'omitted'): SimThinking {
  const thinking = display === 'omitted' ? '' : `Thinking about ${about}.`;
  return { thinking, signature: simSignature(thinking) };
}

/** With thinking off, the last assistant message may hold no thinking block (Anthropic's words). */
export function offThinkingProblem(messages: Json[]): string | undefined {
  const i = messages.findLastIndex((m) => m['role'] === 'assistant');
  const j = i < 0 ? -1 : blocksOf(messages[i]?.['content']).findIndex(isThinkingBlock);
  if (j < 0) return undefined;
  return `messages.${i}.content.${j}: When thinking is disabled, an \`assistant\` message in the final position cannot contain \`thinking\`. To use thinking blocks, enable \`thinking\` in your request.`;
}

const isThinkingBlock = (b: unknown): boolean =>
  isObject(b) && (b['type'] === 'thinking' || b['type'] === 'redacted_thinking');

/** A `thinking` block in the history whose signature the simulator did not issue for its text, in Anthropic's words.
 * (`redacted_thinking` blocks are not checked: the simulator never writes one.) */
export function signatureProblem(messages: Json[]): string | undefined {
  for (const [i, m] of messages.entries()) {
    if (m['role'] !== 'assistant') continue;
    for (const [j, b] of blocksOf(m['content']).entries()) {
      if (!isObject(b) || b['type'] !== 'thinking') continue;
      const text = typeof b['thinking'] === 'string' ? b['thinking'] : '';
      if (b['signature'] !== simSignature(text))
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
    }
  }
  return undefined;
}
