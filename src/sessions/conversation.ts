// One chat conversation: a session plus the router, with the auxiliary tasks around each turn — automatic
// compression before a prompt that reached the threshold, and the background title upgrade after the first
// exchange. Notices (title kept, history compressed) go to `notify`, one line each.
import type { Config } from '../config/schema.ts';
import type { Attempt } from '../routing/types.ts';
import type { ChatBackend } from './backend.ts';
import { shouldCompress, triggerTokens } from './compression-plan.ts';
import { compressionLine, compressSession, type CompressOutcome } from './compressor.ts';
import { contextWindowOf, formatRoute } from './route-text.ts';
import type { ChatSession } from './session.ts';
import { titleFailureLine, upgradeTitle, type TitleOutcome } from './title-upgrade.ts';

export interface TurnResult {
  answer: string;
  route: string;
  attempts: number;
  trail: Attempt[];
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
}

export class Conversation {
  readonly session: ChatSession;
  private readonly backend: ChatBackend;
  private readonly config: Config;
  private readonly notify: (line: string) => void;
  private pendingTitle: Promise<TitleOutcome> | undefined;
  private titleNoticeGiven = false;
  private overflowNoticeGiven = false;

  constructor(options: ConversationOptions) {
    this.session = options.session;
    this.backend = options.backend;
    this.config = options.config;
    this.notify = options.notify;
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
      if (event.type === 'text') {
        answer += event.text;
        options.onText?.(event.text);
      } else if (event.type === 'finish' && event.usage) {
        promptTokens = event.usage.input_tokens;
      }
    }
    this.session.appendAssistant(answer, promptTokens);
    if (this.session.answerCount() === 1 && this.session.titleSource === 'derived') this.startTitleUpgrade();
    return { answer, route: formatRoute(result.route), attempts: result.trail.length, trail: result.trail };
  }

  /** `/compress`, or the automatic trigger. */
  async compress(signal?: AbortSignal): Promise<CompressOutcome> {
    const outcome = await compressSession(this.session, this.backend, this.config.auxiliary.compression, signal);
    return outcome;
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
    this.pendingTitle = upgradeTitle(this.session, this.backend, timeoutMs).then((outcome) => {
      if (outcome.status === 'failed' && !this.titleNoticeGiven) {
        this.titleNoticeGiven = true;
        this.notify(titleFailureLine(outcome));
      }
      return outcome;
    });
  }

  private async compressIfNeeded(signal?: AbortSignal): Promise<void> {
    const settings = this.config.auxiliary.compression;
    const window = contextWindowOf(this.config, this.session.route ?? this.config.main);
    const tokens = this.session.promptTokens();
    if (!shouldCompress(tokens, window, settings.threshold)) return;
    const outcome = await this.compress(signal);
    if (outcome.status !== 'nothing') {
      this.notify(compressionLine(outcome));
    } else if (!this.overflowNoticeGiven) {
      // Said once: repeating it every turn would drown the chat.
      this.overflowNoticeGiven = true;
      this.notify(`compression: the prompt (≈${tokens} tokens) reached the trigger (${triggerTokens(window, settings.threshold)}), but ${outcome.why}`);
    }
  }
}
