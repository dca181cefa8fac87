// Runs compression on a session (SPEC §5): the `compression` task summarises the unprotected middle; when it
// cannot (failure, or the task is disabled), a marked deterministic truncation takes the middle's place instead,
// so the conversation can always go on.
import type { CompressionTaskConfig } from '../config/schema.ts';
import type { ChatBackend } from './backend.ts';
import { planCompression, summaryContent, summaryRequest, truncationContent } from './compression-plan.ts';
import { explainError, isAbort } from './explain.ts';
import { formatRoute } from './route-text.ts';
import type { ChatSession } from './session.ts';
import { estimatePromptTokens } from './tokens.ts';

export const COMPRESSION_TASK = 'compression';

export type CompressOutcome =
  | { status: 'nothing'; why: string }
  | { status: 'summarised'; count: number; before: number; after: number; route: string }
  | { status: 'truncated'; count: number; before: number; after: number; explanation: string };

export async function compressSession(session: ChatSession, backend: ChatBackend, settings: CompressionTaskConfig, signal?: AbortSignal): Promise<CompressOutcome> {
  const plan = planCompression(session.messages, settings);
  if (!plan.ok) return { status: 'nothing', why: plan.why };
  const before = session.promptTokens();
  const first = plan.middle[0];
  const last = plan.middle.at(-1);
  if (!first || !last) return { status: 'nothing', why: 'nothing to compress' };
  const count = plan.middle.length;
  const summary = await summarise(backend, plan.middle, signal);
  if (summary.ok) {
    session.replaceRange(first.seq, last.seq, summaryContent(count, summary.text), 'summary');
    return { status: 'summarised', count, before, after: session.promptTokens(), route: summary.route };
  }
  session.replaceRange(first.seq, last.seq, truncationContent(count, summary.explanation), 'truncation');
  return { status: 'truncated', count, before, after: session.promptTokens(), explanation: summary.explanation };
}

type Summary = { ok: true; text: string; route: string } | { ok: false; explanation: string };

async function summarise(backend: ChatBackend, middle: Parameters<typeof summaryRequest>[0], signal?: AbortSignal): Promise<Summary> {
  const messages = summaryRequest(middle);
  try {
    // estimated_tokens lets the chain skip routes whose context window cannot hold the input.
    const result = await backend.chat({ task: COMPRESSION_TASK, messages, estimated_tokens: estimatePromptTokens(messages), ...(signal ? { signal } : {}) });
    if (result.status === 'disabled') return { ok: false, explanation: `the compression task is disabled (${result.reason})` };
    const text = result.response.content.trim();
    if (text.length === 0) return { ok: false, explanation: `${formatRoute(result.route)} returned an empty summary` };
    return { ok: true, text, route: formatRoute(result.route) };
  } catch (err) {
    // The user cancelled (Ctrl-C): leave the history as it was rather than dropping anything.
    if (isAbort(err) || signal?.aborted) throw err;
    return { ok: false, explanation: explainError(err) };
  }
}

/** The one line telling the user what compression did. */
export function compressionLine(outcome: CompressOutcome): string {
  switch (outcome.status) {
    case 'nothing':
      return `compression: ${outcome.why}`;
    case 'summarised':
      return `compressed: ${outcome.count} earlier messages summarised by ${outcome.route} (≈${outcome.before} → ${outcome.after} prompt tokens)`;
    case 'truncated':
      return `compression: summary failed, ${outcome.count} earlier messages dropped (≈${outcome.before} → ${outcome.after} prompt tokens) — ${outcome.explanation}`;
  }
}
