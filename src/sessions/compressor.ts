// Runs compression on a session (docs/chat.md#compression). When summarising fails nothing is deleted: if the prompt
// must shrink, the middle is left out of what is sent, behind a marker, so a later compression can still summarise it.
import { fallbackReason, type FallbackReason } from './fallback-note.ts';
import type { CompressionTaskConfig, Route } from '../config/schema.ts';
import type { ChatBackend } from './backend.ts';
import {
  coveredCount,
  MIN_MIDDLE_MESSAGES,
  omissionContent,
  planCompression,
  summaryContent,
  summaryRequest,
} from './compression-plan.ts';
import type { MessageRecord } from '../state/types.ts';
import { SwitchyardError } from '../routing/errors.ts';
import { explainErrorInline, isAbort } from './error-text.ts';
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

/** At most this many summary passes per compression: each pass after the first summarises an earlier summary and
 * the messages after it, so a middle too long for the task's routes is taken a part at a time (summariseFitting). */
const MAX_PASSES = 4;

export async function compressSession(
  session: ChatSession,
  backend: ChatBackend,
  settings: CompressionTaskConfig,
  options: CompressOptions = {},
): Promise<CompressOutcome> {
  const before = session.promptTokens();
  let done: Extract<CompressOutcome, { status: 'summarised' }> | undefined;
  let failed: { count: number; explanation: string; first: number; last: number } | undefined;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const plan = planCompression(session.messages, settings);
    const first = plan.ok ? plan.middle[0] : undefined;
    if (!plan.ok || !first) {
      if (done) break;
      return { status: 'nothing', why: plan.ok ? 'nothing to compress' : plan.why };
    }
    const summary = await summariseFitting(backend, plan.middle, options);
    if (!summary.ok) {
      // After a pass of this compression, the middle starts with its summary: what is left is what comes after it.
      const rest = done ? plan.middle.slice(1) : plan.middle;
      const [from, to] = [rest[0], rest.at(-1)];
      if (from && to)
        failed = { count: coveredCount(rest), explanation: summary.explanation, first: from.seq, last: to.seq };
      break;
    }
    // The running total: an earlier summary in the part counts the messages it stands for.
    const count = coveredCount(summary.part);
    const end = summary.part.at(-1) ?? first;
    session.replaceRange(first.seq, end.seq, summaryContent(count, summary.text), 'summary');
    const fellBack = summary.fellBack ?? done?.fellBack;
    done = {
      status: 'summarised',
      count,
      before,
      after: session.promptTokens(),
      route: summary.route,
      ...(fellBack !== undefined ? { fellBack } : {}),
    };
    if (summary.part.length === plan.middle.length) break;
  }
  if (!failed) return done ?? { status: 'nothing', why: 'nothing to compress' };
  // What a pass already summarised stays summarised; what is left is kept whole, or left out of the prompt.
  if (!options.mustShrink) return done ?? { status: 'kept', count: failed.count, explanation: failed.explanation };
  session.omitFromPrompt(failed.first, failed.last, omissionContent(failed.count, failed.explanation));
  return {
    status: 'omitted',
    count: failed.count,
    before,
    after: session.promptTokens(),
    explanation: failed.explanation,
  };
}

type Summary =
  | { ok: true; text: string; route: string; fellBack?: FallbackReason }
  | { ok: false; explanation: string; tooLong: boolean };
/** A summary of `part`, the oldest messages of the middle. */
type PartSummary = Extract<Summary, { ok: true }> & { part: readonly MessageRecord[] };

/** The summary of the middle, or of its oldest part that fits, halved until a route takes it: otherwise one failed
 * summary could leave a middle too long ever to summarise. */
async function summariseFitting(
  backend: ChatBackend,
  middle: readonly MessageRecord[],
  options: CompressOptions,
): Promise<PartSummary | Extract<Summary, { ok: false }>> {
  let part = middle;
  for (;;) {
    const summary = await summarise(backend, part, options);
    if (summary.ok) return { ...summary, part };
    if (!summary.tooLong || part.length < 2 * MIN_MIDDLE_MESSAGES) return summary;
    part = part.slice(0, Math.ceil(part.length / 2));
  }
}

async function summarise(
  backend: ChatBackend,
  middle: readonly MessageRecord[],
  options: CompressOptions,
): Promise<Summary> {
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
    if (result.status === 'disabled')
      return { ok: false, explanation: `the compression task is disabled (${result.reason})`, tooLong: false };
    const text = result.response.content.trim();
    if (text.length === 0)
      return { ok: false, explanation: `${result.route} returned an empty summary`, tooLong: false };
    const answeredBy = result.route;
    const fellBack = fallbackReason(result.trail, answeredBy);
    return fellBack === undefined
      ? { ok: true, text, route: answeredBy }
      : { ok: true, text, route: answeredBy, fellBack };
  } catch (err) {
    // The user cancelled (Ctrl-C): leave the history as it was rather than dropping anything.
    if (isAbort(err) || signal?.aborted) throw err;
    return {
      ok: false,
      explanation: explainErrorInline(err),
      tooLong: SwitchyardError.isInstance(err) && err.kind === 'context_length',
    };
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
