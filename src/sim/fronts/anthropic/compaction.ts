// Anthropic's server-side compaction, simulated (docs/simulator.md#answers): with a compaction beta and a compact
// edit in `context_management.edits`, a prompt over the edit's trigger is summarised and the answer opens with a
// `compaction` block (alone, stop reason `compaction`, with `pause_after_compaction`); a request that sends such a
// block back is read from the last one on, as Anthropic drops everything before it.
import { createHash } from 'node:crypto';
import { blocksOf, isObject, type Json } from '../../json.ts';

/** The betas that turn compaction on, in the `anthropic-beta` header or the body's `betas`. */
export const COMPACTION_BETAS: readonly string[] = ['compact-2026-01-12', 'compact-2026-09-04'];

/** Anthropic's trigger when the edit names none, and the least it takes: input tokens. */
export const DEFAULT_TRIGGER = 150_000;
export const MIN_TRIGGER = 50_000;

/** A compact edit the request carries. */
export interface SimCompactEdit {
  /** Input tokens the prompt must exceed for a compaction. */
  trigger: number;
  /** `pause_after_compaction`: the answer is the compaction block alone. */
  pause: boolean;
  /** The later beta (`compact-2026-09-04`): the block carries opaque `encrypted_content` to send back. */
  encrypted: boolean;
}

/** The betas the request names, in the header (comma-separated) and in the body's `betas`. */
export function requestBetas(header: string | undefined, body: Json): string[] {
  const fromHeader = (header ?? '').split(',').map((b) => b.trim());
  const fromBody = Array.isArray(body['betas']) ? body['betas'].filter((b) => typeof b === 'string') : [];
  return [...fromHeader, ...fromBody].filter((b) => b !== '');
}

export const compactionOn = (betas: readonly string[]): boolean => betas.some((b) => COMPACTION_BETAS.includes(b));

/** The request's compact edit (`compact_20260112`), when its beta is on. */
export function compactEditOf(body: Json, betas: readonly string[]): SimCompactEdit | undefined {
  if (!compactionOn(betas)) return undefined;
  const cm = body['context_management'];
  const edits = isObject(cm) && Array.isArray(cm['edits']) ? cm['edits'] : [];
  const edit = edits.find(
    (e): e is Json => isObject(e) && typeof e['type'] === 'string' && e['type'].startsWith('compact_'),
  );
  if (edit === undefined) return undefined;
  const trigger = isObject(edit['trigger']) ? edit['trigger']['value'] : undefined;
  return {
    trigger: typeof trigger === 'number' && trigger > 0 ? trigger : DEFAULT_TRIGGER,
    pause: edit['pause_after_compaction'] === true,
    encrypted: betas.includes('compact-2026-09-04'),
  };
}

const isCompaction = (b: unknown): boolean => isObject(b) && b['type'] === 'compaction';

/** The messages as the model reads them: from the last compaction block on, the block as its summary's text (a block
 * whose summary is null, a failed compaction, is passed over, as Anthropic does). */
export function afterCompaction(messages: readonly Json[]): Json[] {
  const at = messages.findLastIndex((m) => blocksOf(m['content']).some(isCompaction));
  if (at < 0) return [...messages];
  const blocks = blocksOf(messages[at]!['content']);
  const k = blocks.findLastIndex(isCompaction);
  const summary = (blocks[k] as Json)['content'];
  const kept = [...(typeof summary === 'string' ? [{ type: 'text', text: summary }] : []), ...blocks.slice(k + 1)];
  return [{ ...messages[at]!, content: kept }, ...messages.slice(at + 1)];
}

/** What Anthropic refuses: a compact edit's trigger under its least, or a compaction block sent without the beta
 * that makes it (the block type is unknown then). */
export function compactionProblem(body: Json, betas: readonly string[]): string | undefined {
  const cm = body['context_management'];
  const edits = isObject(cm) && Array.isArray(cm['edits']) ? cm['edits'] : [];
  for (const [i, e] of edits.entries()) {
    const value = isObject(e) && isObject(e['trigger']) ? e['trigger']['value'] : undefined;
    if (typeof value === 'number' && value < MIN_TRIGGER && String(e['type']).startsWith('compact_'))
      return `context_management.edits.${i}.trigger.value: Input should be greater than or equal to ${MIN_TRIGGER}`;
  }
  if (compactionOn(betas)) return undefined;
  const messages = Array.isArray(body['messages']) ? body['messages'].filter(isObject) : [];
  for (const [i, m] of messages.entries()) {
    const j = blocksOf(m['content']).findIndex(isCompaction);
    if (j >= 0)
      return `messages.${i}.content.${j}.type: 'compaction' blocks need the ${COMPACTION_BETAS[0]} beta (anthropic-beta header)`;
  }
  return undefined;
}

/** The summary the simulated model writes: deterministic, and saying what it summarised. */
export function compactionSummary(userTexts: readonly string[]): string {
  const said = userTexts
    .map((t) => t.replace(/\s+/g, ' ').trim().slice(0, 40))
    .filter((t) => t !== '')
    .slice(-8);
  return `<summary>The user asked ${said.length} time(s): ${said.join(' | ')}</summary>`;
}

/** The block's opaque `encrypted_content` under the later beta: deterministic, tied to the summary. */
export const compactionOpaque = (summary: string): string =>
  `sim-cmp-${createHash('sha256').update(summary).digest('base64url').slice(0, 32)}`;
