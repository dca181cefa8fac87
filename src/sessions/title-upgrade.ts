// The background title upgrade (docs/chat.md, seed 000): one `title_generation` call after the first exchange. It never
// fails the chat: any failure keeps the derived title and is reported as an outcome the caller prints once.
import { fallbackReason, type FallbackReason } from './fallback-note.ts';
import type { Route } from '../config/schema.ts';
import type { ChatMessage } from '../providers/types.ts';
import { sentAttempts } from '../calls/trail.ts';
import type { ChatBackend } from './backend.ts';
import { formatDuration } from '../errors/explain-format.ts';
import { explainErrorInline } from './error-text.ts';
import type { ChatSession } from './session.ts';
import { cleanGeneratedTitle } from './title-text.ts';

export const TITLE_TASK = 'title_generation';

export type TitleOutcome =
  /** `fellBack`: why the title did not come from the first route tried, when it did not (fallback-note.ts). */
  | { status: 'generated'; title: string; route: string; attempts: number; fellBack?: FallbackReason }
  /** `provider: none` / `enabled: false`: the upgrade is off, silently. */
  | { status: 'disabled' }
  /** The user set a title meanwhile; theirs wins. */
  | { status: 'user_title' }
  | { status: 'failed'; kept: string; explanation: string };

/** How long after the task's own timeout the backstop gives up on a title call the router did not end. */
const BACKSTOP_GRACE_MS = 2_000;

/** How much of the first answer goes into the title request: enough for the gist, cheap on any model. */
const ANSWER_EXCERPT = 600;
const QUESTION_EXCERPT = 2000;

export function titleRequest(user: string, assistant: string): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'Write a short title (at most 7 words) for a conversation that starts with the user message below. ' +
        `The assistant answered: "${assistant.slice(0, ANSWER_EXCERPT)}". Reply with the title only, no quotes.`,
    },
    { role: 'user', content: user.slice(0, QUESTION_EXCERPT) },
  ];
}

/** `route`: the session's own route when the task is `provider: auto`, tried first as the chat itself does. */
export async function upgradeTitle(
  session: ChatSession,
  backend: ChatBackend,
  timeoutMs: number,
  route?: Route,
): Promise<TitleOutcome> {
  const exchange = session.firstExchange();
  if (!exchange) return { status: 'failed', kept: session.title, explanation: 'no exchange to title yet' };
  // The router enforces the task's own timeout; this signal is only a backstop so a caller waiting for the title
  // before exiting can never hang.
  const backstop = AbortSignal.timeout(timeoutMs + BACKSTOP_GRACE_MS);
  try {
    const result = await backend.chat({
      task: TITLE_TASK,
      messages: titleRequest(exchange.user, exchange.assistant),
      max_tokens: 40,
      signal: backstop,
      ...(route ? { route } : {}),
    });
    if (result.status === 'disabled') return { status: 'disabled' };
    const title = cleanGeneratedTitle(result.response.content);
    if (title === undefined)
      return { status: 'failed', kept: session.title, explanation: `${result.route} answered with an empty title` };
    if (!session.offerGeneratedTitle(title)) return { status: 'user_title' };
    const answeredBy = result.route;
    const generated: TitleOutcome = {
      status: 'generated',
      title,
      route: answeredBy,
      attempts: sentAttempts(result.trail),
    };
    const fellBack = fallbackReason(result.trail, answeredBy);
    return fellBack === undefined ? generated : { ...generated, fellBack };
  } catch (err) {
    // The backstop's own error says only "aborted due to timeout": say how long the title had, and what sets it.
    const explanation = backstop.aborted
      ? `${TITLE_TASK}: no title within ${formatDuration(timeoutMs)} (auxiliary.${TITLE_TASK}.timeout)`
      : explainErrorInline(err);
    return { status: 'failed', kept: session.title, explanation };
  }
}

/** The one line printed when the upgrade failed. */
export function titleFailureLine(outcome: Extract<TitleOutcome, { status: 'failed' }>): string {
  return `title: kept "${outcome.kept}" — ${outcome.explanation}`;
}
