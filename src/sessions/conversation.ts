// One chat conversation: a session plus the router, with the auxiliary tasks around each turn — automatic
// compression before a prompt that reached the threshold, and the background title upgrade after the first
// exchange. Notices (title kept, history compressed) go to `notify`, one line each.
import type { Config, Route } from '../config/schema.ts';
import { sentAttempts } from '../calls/trail.ts';
import type { Attempt } from '../calls/types.ts';
import type { ChatBackend } from './backend.ts';
import { shouldCompress, triggerTokens } from './compression-plan.ts';
import { compressionLine, compressSession, type CompressOutcome } from './compressor.ts';
import { contextWindowOf } from '../config/route-name.ts';
import type { ChatSession } from './session.ts';
import { titleFailureLine, upgradeTitle, type TitleOutcome } from './title-upgrade.ts';
import { setAsideNote } from './fallback-note.ts';

export interface TurnResult {
  answer: string;
  route: string;
  attempts: number;
  trail: Attempt[];
  /** Once per session: a route was set aside for its key (rejected, out of quota, none usable) and another answered.
   * The caller prints it after the answer. */
  note?: string;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Each streamed piece of the answer, as it arrives. */
  onText?: (text: string) => void;
}

export interface ConversationOptions {
  session: ChatSession;
  backend: ChatBackend;
  config: Config;
  notify: (line: string) => void;
  /** Upgrade the derived title with a title_generation call after the first answer (default true); false for
   * `chat -m --no-session`, which keeps no session to title. */
  titles?: boolean;
}

export class Conversation {
  readonly session: ChatSession;
  private readonly backend: ChatBackend;
  private config: Config;
  private readonly notify: (line: string) => void;
  private readonly titles: boolean;
  private pendingTitle: Promise<TitleOutcome> | undefined;
  private titleNoticeGiven = false;
  private overflowNoticeGiven = false;
  private setAsideNoteGiven = false;
  /** Providers a note has named this session. */
  private readonly notedProviders = new Set<string>();

  constructor(options: ConversationOptions) {
    this.session = options.session;
    this.backend = options.backend;
    this.config = options.config;
    this.notify = options.notify;
    this.titles = options.titles !== false;
  }

  /** Sends one user message and streams the answer. The user message is stored first, the answer when complete;
   * a failure (SwitchyardError, or AbortError when cancelled) is thrown after the user message is safe. */
  async send(text: string, options: SendOptions = {}): Promise<TurnResult> {
    this.session.appendUser(text);
    await this.compressIfNeeded(options.signal);
    const route = this.session.route;
    const result = await this.backend.chat({
      task: 'main',
      messages: this.session.prompt(),
      estimated_tokens: this.session.promptTokens(),
      stream: true,
      ...(route ? { route } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (result.status === 'disabled') throw new Error(`the main task is disabled (${result.reason})`);
    let answer = '';
    let promptTokens: number | undefined;
    for await (const event of result.events) {
      // A refusal is the model's answer too, as far as a chat is concerned.
      if (event.type === 'text' || event.type === 'refusal') {
        answer += event.text;
        options.onText?.(event.text);
      } else if (event.type === 'finish' && event.usage) {
        promptTokens = event.usage.input_tokens;
      }
    }
    this.session.appendAssistant(answer, promptTokens);
    if (this.titles && this.session.answerCount() === 1 && this.session.titleSource === 'derived')
      this.startTitleUpgrade();
    const answeredBy = result.route;
    // Requests actually sent, as the gateway's x-switchyard-attempts counts them: a route skipped without a call is not one.
    const turn: TurnResult = { answer, route: answeredBy, attempts: sentAttempts(result.trail), trail: result.trail };
    const note = this.setAsideNoteGiven ? undefined : setAsideNote(result.trail, answeredBy);
    if (note !== undefined) {
      this.setAsideNoteGiven = true;
      this.notedProviders.add(note.provider);
      turn.note = note.text;
    }
    return turn;
  }

  /** A reloaded config (the file or its .env was edited): auxiliary settings and context windows from now on. */
  setConfig(config: Config): void {
    this.config = config;
  }

  /** `/compress` (`mustShrink` false: a failed summary keeps the history as it was), or the automatic trigger. */
  async compress(signal?: AbortSignal, mustShrink = false): Promise<CompressOutcome> {
    const route = autoTaskRoute(this.config, 'compression', this.session.route);
    return compressSession(this.session, this.backend, this.config.auxiliary.compression, {
      mustShrink,
      ...(signal ? { signal } : {}),
      ...(route ? { route } : {}),
    });
  }

  /** `/title text`: the user's title wins, now and over a generated title that arrives later. */
  setUserTitle(title: string): void {
    this.session.setUserTitle(title);
  }

  /** The title upgrade still running, if any; resolves (never rejects) with its outcome. */
  titleSettled(): Promise<TitleOutcome | undefined> {
    return this.pendingTitle ?? Promise.resolve(undefined);
  }

  private startTitleUpgrade(): void {
    const timeoutMs = this.config.auxiliary.title_generation.timeout;
    // Fire and forget: the next prompt never waits for the title. The outcome is reported once.
    const route = autoTaskRoute(this.config, 'title_generation', this.session.route);
    this.pendingTitle = upgradeTitle(this.session, this.backend, timeoutMs, route).then((outcome) => {
      if (outcome.status === 'failed' && !this.titleNoticeGiven) {
        this.titleNoticeGiven = true;
        this.notify(titleFailureLine(outcome));
      } else if (
        outcome.status === 'generated' &&
        outcome.fellBack !== undefined &&
        !this.titleNoticeGiven &&
        !this.notedProviders.has(outcome.fellBack.provider)
      ) {
        // The title came, but not from the route tried first: said once (unless the chat's own note already named
        // that provider), or a broken title provider would go unnoticed for ever.
        this.titleNoticeGiven = true;
        this.notify(`title: "${outcome.title}" came from ${outcome.route}; ${outcome.fellBack.text}`);
      }
      return outcome;
    });
  }

  private async compressIfNeeded(signal?: AbortSignal): Promise<void> {
    const settings = this.config.auxiliary.compression;
    const window = contextWindowOf(this.config, this.session.route ?? this.config.main);
    const tokens = this.session.promptTokens();
    if (!shouldCompress(tokens, window, settings.threshold)) return;
    const outcome = await this.compress(signal, true);
    if (outcome.status !== 'nothing') {
      this.notify(compressionLine(outcome));
    } else if (!this.overflowNoticeGiven) {
      // Said once: repeating it every turn would drown the chat.
      this.overflowNoticeGiven = true;
      this.notify(
        `compression: the prompt (≈${tokens} tokens) reached the trigger (${triggerTokens(window, settings.threshold)}), but ${outcome.why}`,
      );
    }
  }
}

/** A `provider: auto` task tries this session's own route first, so titles and summaries come from the route that
 * answers the session; an explicit provider keeps its own chain. */
export function autoTaskRoute(config: Config, task: string, sessionRoute: Route | undefined): Route | undefined {
  return sessionRoute && config.auxiliary[task]?.provider === 'auto' ? sessionRoute : undefined;
}
