// `streaming.resume` (docs/routing.md#resuming-a-cut-answer): what a committed stream delivered so far, whether a
// cut of it may be resumed (text only, no tool call begun), the continued request (the text as the assistant's
// partial answer: Anthropic continues a prefill; other APIs are asked to continue it), and the routes to try it on.
import type { ChatMessage, ChatRequest, ProviderAdapter, StreamEvent, Usage } from '../providers/types.ts';
import type { RouteSpec } from '../config/resolve-task.ts';
import { routeName } from '../config/route-name.ts';

/** What a committed stream delivered that decides whether and how it may be resumed. */
export class ResumeNotes {
  text = '';
  /** A tool call, a refusal or thinking began: a continuation could not pick up where it stopped. */
  spoiled = false;
  /** The text block open at the cut, which the continuation goes on in (ResumedBlocks). */
  openText: string | undefined;

  see(e: StreamEvent): void {
    switch (e.type) {
      case 'text':
        this.text += e.text;
        return;
      case 'text_start':
        this.openText = e.id;
        return;
      case 'text_end':
        this.openText = undefined;
        return;
      case 'tool_call_start':
      case 'tool_call_delta':
      case 'refusal':
      case 'thinking_start':
      case 'thinking':
      case 'responses_event':
        this.spoiled = true;
        return;
      default:
    }
  }

  /** Worth resuming: some text came, and nothing a continuation could not carry on. */
  get resumable(): boolean {
    return !this.spoiled && this.text.trim().length > 0;
  }
}

/** Said to a route that cannot be given a prefill: the partial answer is the last assistant message before it. */
export const CONTINUE_INSTRUCTION =
  'Your previous answer, above, was cut off. Continue it from exactly where it stops: do not repeat any of it, ' +
  'add no preamble or comment, and keep its language and format.';

/** The request that continues `text`. Anthropic routes get the text as a prefill (trailing whitespace removed, which
 * Anthropic refuses in one, and thinking left out, which a prefill cannot carry); others get it as an assistant turn
 * and CONTINUE_INSTRUCTION. max_tokens is lowered by an estimate of what was written (four characters a token). */
export function continuedRequest<R extends Omit<ChatRequest, 'model'>>(
  request: R,
  text: string,
  type: ProviderAdapter['type'],
): R {
  const partial: ChatMessage =
    type === 'anthropic' ? { role: 'assistant', content: text.trimEnd() } : { role: 'assistant', content: text };
  const messages: ChatMessage[] =
    type === 'anthropic'
      ? [...request.messages, partial]
      : [...request.messages, partial, { role: 'user', content: CONTINUE_INSTRUCTION }];
  const next: R = { ...request, messages };
  if (request.max_tokens !== undefined) next.max_tokens = Math.max(1, request.max_tokens - Math.ceil(text.length / 4));
  if (type === 'anthropic' && request.anthropic_fields?.thinking !== undefined) {
    const { thinking: _dropped, ...rest } = request.anthropic_fields;
    next.anthropic_fields = rest;
  }
  return next;
}

/** The caller already has the text's trailing whitespace, which a prefill left out: a continuation that starts with
 * whitespace again would double it. */
export function rejoin(text: string, firstDelta: string): string {
  return /\s$/.test(text) ? firstDelta.trimStart() : firstDelta;
}

/** Goes on with a cut answer: the stream opened on the route that took the continued request, or a throw (the
 * chain's SwitchyardError) when none did. */
export type Resumer<O> = (cut: { route: RouteSpec; text: string }) => Promise<{ route: RouteSpec; opened: O }>;

/** The routes a resumed answer is tried on: those after the cut one, then the ones before it and the cut route itself
 * (another key, or the same once more), each once. */
export function resumeRoutes(routes: readonly RouteSpec[], cut: RouteSpec): RouteSpec[] {
  const name = routeName(cut);
  const at = routes.findIndex((r) => routeName(r) === name);
  if (at < 0) return [...routes, cut];
  return [...routes.slice(at + 1), ...routes.slice(0, at + 1)];
}

/** The continuation's blocks as one stream with the cut answer's: its first text block goes on in the text block the
 * cut left open (one block to the caller, as if nothing broke), which otherwise ends before the continuation's first
 * other block or its finish; its other blocks' ids get a `-resumed` mark, so none repeats one of the cut answer's (a
 * tool call's id is the call's own). Its start is dropped: the caller had one. */
export class ResumedBlocks {
  /** The text block open at the cut. */
  readonly #cut: string | undefined;
  /** The cut block is open and nothing of the continuation has joined or ended it yet. */
  #pending: boolean;
  /** The continuation's text block that goes on in the cut one. */
  #joined: string | undefined;

  constructor(openAtCut: string | undefined) {
    this.#cut = openAtCut;
    this.#pending = openAtCut !== undefined;
  }

  /** The events the caller gets for one of the continuation's. */
  map(e: StreamEvent): StreamEvent[] {
    if (e.type === 'start') return [];
    if (this.#pending && e.type !== 'responses_event') {
      this.#pending = false;
      if (e.type === 'text_start') {
        this.#joined = e.id;
        return [];
      }
      return [{ type: 'text_end', id: this.#cut ?? '' }, this.#renamed(e)];
    }
    return [this.#renamed(e)];
  }

  #renamed(e: StreamEvent): StreamEvent {
    switch (e.type) {
      case 'text_start':
      case 'text_end':
      case 'thinking_start':
      case 'thinking_end':
        return { ...e, id: this.#idOf(e.id) };
      case 'text':
      case 'refusal':
      case 'thinking':
      case 'thinking_signature':
      case 'redacted_thinking':
        return e.id === undefined ? e : { ...e, id: this.#idOf(e.id) };
      default:
        return e;
    }
  }

  #idOf(id: string): string {
    return id === this.#joined && this.#cut !== undefined ? this.#cut : `${id}-resumed`;
  }
}

/** The usage a client sees at the end of a resumed answer: both attempts' (each is billed for its own in the trail). */
export function joinedUsage(cut: Usage, resumed: Usage): Usage {
  const u: Usage = {
    input_tokens: cut.input_tokens + resumed.input_tokens,
    output_tokens: cut.output_tokens + resumed.output_tokens,
  };
  const add = (k: 'cache_read_tokens' | 'cache_write_tokens' | 'reasoning_tokens'): void => {
    if (cut[k] !== undefined || resumed[k] !== undefined) u[k] = (cut[k] ?? 0) + (resumed[k] ?? 0);
  };
  add('cache_read_tokens');
  add('cache_write_tokens');
  add('reasoning_tokens');
  return u;
}
