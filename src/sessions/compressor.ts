// Runs compression on a session (SPEC §5): the `compression` task summarises the unprotected middle. When it
// cannot (failure, or the task is disabled) nothing is deleted: the history stays whole in the store, and only when
// the prompt must shrink (the automatic trigger) is the middle left out of what is sent, behind a marked
// deterministic marker, so the conversation can go on and a later compression can still summarise it.
import { fallbackReason, type FallbackReason } from './fallback-note.ts';
import type { CompressionTaskConfig, Route } from '../config/schema.ts';
import type { ChatBackend } from './backend.ts';
import { coveredCount, omissionContent, planCompression, summaryContent, summaryRequest } from './compression-plan.ts';
import { explainErrorInline, isAbort } from './explain.ts';
import { formatRoute } from './route-text.ts';
import type { ChatSession } from './session.ts';
import { estimatePromptTokens } from './tokens.ts';

export const COMPRESSION_TASK = 'compression';

export type CompressOutcome =
  | { status: 'nothing'; why: string }
  /** `fellBack`: why the summary did not come from the first route tried, when it did not (fallback-note.ts). */
  | { status: 'summarised'; count: number; before: number; after: number; route: string; fellBack?: FallbackReason }
  /** The summary failed and the prompt had to shrink: the middle is left out of the prompt, kept in the store. */
  | { status: 'omitted'; count: number; before: number; after: number; explanation: string }
  /** The summary failed and nothing had to shrink (`/compress`): the history is as it was. */
  | { status: 'kept'; count: number; explanation: string };

export interface CompressOptions {
  signal?: AbortSignal;
  /** The automatic trigger: the prompt reached the threshold and must shrink even without a summary. */
  mustShrink?: boolean;
  /** The session's own route, tried first when the task is `provider: auto` (see autoTaskRoute). */
  route?: Route;
}

export async function compressSession(session: ChatSession, backend: ChatBackend, settings: CompressionTaskConfig, options: CompressOptions = {}): Promise<CompressOutcome> {
  const plan = planCompression(session.messages, settings);
  if (!plan.ok) return { status: 'nothing', why: plan.why };
  const before = session.promptTokens();
  const first = plan.middle[0];
  const last = plan.middle.at(-1);
  if (!first || !last) return { status: 'nothing', why: 'nothing to compress' };
  // The running total: an earlier summary in the middle counts the messages it stands for.
  const count = coveredCount(plan.middle);
  const summary = await summarise(backend, plan.middle, options);
  if (summary.ok) {
    session.replaceRange(first.seq, last.seq, summaryContent(count, summary.text), 'summary');
    const done: CompressOutcome = { status: 'summarised', count, before, after: session.promptTokens(), route: summary.route };
    return summary.fellBack === undefined ? done : { ...done, fellBack: summary.fellBack };
  }
  if (!options.mustShrink) return { status: 'kept', count, explanation: summary.explanation };
  session.omitFromPrompt(first.seq, last.seq, omissionContent(count, summary.explanation));
  return { status: 'omitted', count, before, after: session.promptTokens(), explanation: summary.explanation };
}

type Summary = { ok: true; text: string; route: string; fellBack?: FallbackReason } | { ok: false; explanation: string };

async function summarise(backend: ChatBackend, middle: Parameters<typeof summaryRequest>[0], options: CompressOptions): Promise<Summary> {
  const messages = summaryRequest(middle);
  const { signal, route } = options;
  try {
    // estimated_tokens lets the chain skip routes whose context window cannot hold the input.
    const result = await backend.chat({
      task: COMPRESSION_TASK,
      messages,
      estimated_tokens: estimatePromptTokens(messages),
      ...(signal ? { signal } : {}),
      ...(route ? { route } : {}),
    });
    if (result.status === 'disabled') return { ok: false, explanation: `the compression task is disabled (${result.reason})` };
    const text = result.response.content.trim();
    if (text.length === 0) return { ok: false, explanation: `${formatRoute(result.route)} returned an empty summary` };
    const answeredBy = formatRoute(result.route);
    const fellBack = fallbackReason(result.trail, answeredBy);
    return fellBack === undefined ? { ok: true, text, route: answeredBy } : { ok: true, text, route: answeredBy, fellBack };
  } catch (err) {
    // The user cancelled (Ctrl-C): leave the history as it was rather than dropping anything.
    if (isAbort(err) || signal?.aborted) throw err;
    return { ok: false, explanation: explainErrorInline(err) };
  }
}

/** The one line telling the user what compression did. */
export function compressionLine(outcome: CompressOutcome): string {
  switch (outcome.status) {
    case 'nothing':
      return `compression: ${outcome.why}`;
    case 'summarised':
      return `compressed: ${outcome.count} earlier messages summarised by ${outcome.route} (≈${outcome.before} → ${outcome.after} prompt tokens)${outcome.fellBack !== undefined ? `; ${outcome.fellBack.text}` : ''}`;
    case 'omitted':
      return (
        `compression: summary failed, ${outcome.count} earlier messages left out of the prompt but kept in the session ` +
        `(≈${outcome.before} → ${outcome.after} prompt tokens; a later compression can still summarise them) — ${outcome.explanation}`
      );
    case 'kept':
      return `compression: summary failed, the history is kept as it was (${outcome.count} earlier messages not summarised) — ${outcome.explanation}`;
  }
}
