// The interactive `switchyard chat` loop on node:readline: prompt, streamed answers, Ctrl-C and type-ahead on a
// terminal; one line in, one line out when piped (docs/chat.md#the-chat).
import { createInterface, type Interface } from 'node:readline';
import type { Config } from '../config/schema.ts';
import { UserError } from '../user-error.ts';
import { helpText, parseLine, type CommandName } from './commands.ts';
import { compressionLine } from './compressor.ts';
import { triggerTokens } from './compression-plan.ts';
import type { Conversation } from './conversation.ts';
import { explainError, explainErrorLines, isAbort } from './error-text.ts';
import { parseRouteFor } from './route-text.ts';
import { contextWindowOf, routeName } from '../config/route-name.ts';
import { cleanUserTitle } from './title-text.ts';
import { EchoGate } from './echo-gate.ts';
import { isRepeat } from '../signal-repeat.ts';

/** After a second Ctrl-C, how long a cancellation may take before the process leaves anyway. */
const FORCED_EXIT_MS = 1_000;

export interface ReplIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  errors: NodeJS.WritableStream;
  /** A person at a terminal: prompt, banner, colours. */
  interactive: boolean;
  color: boolean;
  /** The file sessions are stored in (the state store), for `/session` to say where a new one will be saved. */
  sessionsFile?: string;
}

export class Repl {
  private readonly conv: Conversation;
  private config: Config;
  private readonly io: ReplIO;
  private readonly rl: Interface;
  private answering: AbortController | undefined;
  private quitting = false;
  /** Readline is closed once the user left: a notice arriving later (a background title) must not prompt again. */
  private closed = false;
  /** Messages that got no answer (cancelled ones aside): piped chat exits 1 when there were any. */
  private failures = 0;
  /** On a terminal: readline's output, muted while an answer streams (echo-gate.ts). */
  private readonly echo: EchoGate | undefined;
  /** Lines entered while the echo was muted, by their number among all lines read: shown when their turn comes. */
  private readonly typedAhead = new Set<number>();
  private linesRead = 0;
  private linesTaken = 0;
  /** Typed while the echo was muted and not entered yet: put back at the prompt once the entered lines are done. */
  private carried = '';

  constructor(conv: Conversation, config: Config, io: ReplIO) {
    this.conv = conv;
    this.config = config;
    this.io = io;
    this.echo = io.interactive ? new EchoGate(io.output) : undefined;
    this.rl = createInterface({
      input: io.input,
      ...(this.echo ? { output: this.echo } : {}),
      terminal: io.interactive,
      prompt: '> ',
    });
    this.rl.on('close', () => {
      this.closed = true;
    });
    this.rl.on('line', () => {
      if (this.echo?.muted) this.typedAhead.add(this.linesRead);
      this.linesRead += 1;
    });
  }

  /** A reloaded config (the file or its .env was edited): routes, windows and settings shown from now on. */
  setConfig(config: Config): void {
    this.config = config;
  }

  get failedMessages(): number {
    return this.failures;
  }

  /** Notices from the conversation (title kept, history compressed), printed without breaking the prompt. */
  notice(line: string): void {
    if (this.io.interactive && !this.answering && !this.closed) {
      this.io.output.write(`\r\x1b[K${this.dim(line)}\n`);
      this.rl.prompt(true);
    } else {
      this.io.errors.write(`${line}\n`);
    }
  }

  async run(): Promise<void> {
    // Ctrl-C on a terminal is a key readline reads (never echoed); a signal from outside may come twice at once
    // (src/signal-repeat.ts). Only the latter is checked: two quick presses are two presses.
    const onKey = (): void => this.interrupt();
    const onSigint = (): void => {
      if (!isRepeat('SIGINT')) this.interrupt();
    };
    this.rl.on('SIGINT', onKey);
    process.on('SIGINT', onSigint);
    try {
      if (this.io.interactive) this.banner();
      this.prompt();
      for await (const line of this.rl) {
        if (this.typedAhead.delete(this.linesTaken++)) this.showTypedAhead(line);
        await this.handle(line);
        if (this.quitting) break;
        this.prompt();
      }
    } finally {
      process.off('SIGINT', onSigint);
      this.rl.close();
    }
  }

  /** Ctrl-C: cancel the answer in progress; at the prompt (or a second time) leave. */
  private interrupt(): void {
    if (this.answering && !this.answering.signal.aborted) {
      this.answering.abort();
      return;
    }
    if (this.answering) {
      // A second Ctrl-C while the cancellation is still winding down: the user wants out. Messages are already
      // in the store; give the cancellation a moment to finish cleanly, then leave regardless.
      setTimeout(() => process.exit(130), FORCED_EXIT_MS).unref();
    }
    this.quitting = true;
    if (this.io.interactive) this.io.output.write('\n');
    this.rl.close();
  }

  private async handle(line: string): Promise<void> {
    const parsed = parseLine(line);
    if (parsed.type === 'message') return this.answer(parsed.text);
    if (parsed.type === 'command') return this.command(parsed.name, parsed.arg);
    if (parsed.type === 'unknown') this.warn(`unknown command /${parsed.name} — /help lists the commands`);
  }

  private async answer(text: string): Promise<void> {
    const controller = new AbortController();
    this.answering = controller;
    this.muteEcho();
    let wrote = false;
    try {
      const result = await this.conv.send(text, {
        signal: controller.signal,
        onText: (t) => {
          wrote = true;
          this.io.output.write(t);
        },
      });
      this.io.output.write('\n');
      if (this.io.interactive)
        this.io.output.write(
          `${this.dim(`  ${result.route} · ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`)}\n`,
        );
      if (result.note !== undefined) this.warn(this.io.interactive ? this.dim(result.note) : result.note);
    } catch (err) {
      if (wrote) this.io.output.write('\n');
      if (controller.signal.aborted || isAbort(err))
        this.warn('answer cancelled (your message is kept in the session)');
      else {
        this.failures++;
        this.warn(
          explainErrorLines(err)
            .map((line, i) => (i === 0 ? `error: ${line}` : line))
            .join('\n'),
        );
      }
    } finally {
      this.answering = undefined;
      this.unmuteEcho();
    }
  }

  /** While an answer (or a summary) is on its way, keys typed are taken into readline's line but not echoed. */
  private muteEcho(): void {
    if (this.echo) this.echo.muted = true;
  }

  /** The answer is done: what was typed meanwhile and not entered is taken out of readline's line (silently, the
   * echo still muted) and kept to be put back at the prompt, where it is drawn properly. */
  private unmuteEcho(): void {
    if (!this.echo?.muted) return;
    const typed = this.rl.line;
    if (typed.length > 0 && !this.closed) {
      this.rl.write(null, { ctrl: true, name: 'e' });
      this.rl.write(null, { ctrl: true, name: 'u' });
      this.carried += typed;
    }
    this.echo.muted = false;
  }

  /** A line entered while an answer streamed, now taken up: shown after its prompt, as if typed there, so the
   * transcript reads in order. */
  private showTypedAhead(line: string): void {
    if (this.io.interactive) this.io.output.write(`${line}\n`);
  }

  private async command(name: CommandName, arg: string): Promise<void> {
    try {
      await this.runCommand(name, arg);
    } catch (err) {
      this.warn(UserError.isInstance(err) ? err.message : `error: ${explainError(err)}`);
    }
  }

  private async runCommand(name: CommandName, arg: string): Promise<void> {
    switch (name) {
      case 'title': {
        const title = cleanUserTitle(arg);
        if (title === undefined) return this.say(this.titleLine());
        this.conv.setUserTitle(title);
        return this.say(`title set: ${title}`);
      }
      case 'compress': {
        const controller = new AbortController();
        this.answering = controller;
        this.muteEcho();
        try {
          return this.say(compressionLine(await this.conv.compress(controller.signal)));
        } finally {
          this.answering = undefined;
          this.unmuteEcho();
        }
      }
      case 'model':
        return this.model(arg);
      case 'session':
        return this.say(this.describeSession());
      case 'help':
        return this.say(helpText());
      case 'quit':
        this.quitting = true;
        return;
    }
  }

  private model(arg: string): void {
    const session = this.conv.session;
    const main = this.config.main ? routeName(this.config.main) : '(no main route configured)';
    if (arg === '') {
      const route = session.route;
      return this.say(
        route
          ? `route: ${routeName(route)} (this session; /model default goes back to ${main})`
          : `route: ${main} (main)`,
      );
    }
    if (arg === 'default' || arg === 'main') {
      session.setRoute(undefined);
      return this.say(`route: ${main} (main)`);
    }
    const route = parseRouteFor(this.config, arg);
    session.setRoute(route);
    this.say(`route: ${routeName(route)} for this session`);
  }

  private describeSession(): string {
    const s = this.conv.session;
    const route = s.route ?? this.config.main;
    const window = contextWindowOf(this.config, route);
    const trigger = triggerTokens(window, this.config.auxiliary.compression.threshold);
    const chosen = s.exists ? ' (set with /model)' : ' (set with /model; saved with your first message)';
    return [
      s.exists ? `session ${s.id}` : this.unsavedLine(),
      this.titleLine(),
      `route: ${route ? routeName(route) : '(none)'}${s.route ? chosen : ''}`,
      `messages: ${s.messages.length}, prompt ≈ ${s.promptTokens()} tokens` +
        (trigger === undefined
          ? ' (context window unknown: no automatic compression)'
          : `, compression at ${trigger} (of ${window})`),
    ].join('\n');
  }

  /** A session is stored with its first message, so until then `/session` says what will be saved, not what is. */
  private unsavedLine(): string {
    const s = this.conv.session;
    const where = this.io.sessionsFile !== undefined ? ` in ${this.io.sessionsFile}` : '';
    return `session ${s.id}: not saved yet — it is saved${where} with your first message (then \`switchyard chat --session ${s.id}\` resumes it); leave before that and nothing is kept`;
  }

  /** The title and where it came from; before the first message there is none yet, unless the user set one. */
  private titleLine(): string {
    const s = this.conv.session;
    if (s.exists) return `title: ${s.title} (${s.titleSource})`;
    if (s.titleSource === 'user') return `title: ${s.title} (yours; saved with your first message)`;
    return 'title: none yet — your first message gives the session its title (or set one with /title TEXT)';
  }

  private banner(): void {
    const s = this.conv.session;
    const what = s.exists
      ? `resuming "${s.title}" (${s.messages.length} messages), id ${s.id}`
      : `new session, id ${s.id} (saved with your first message)`;
    this.io.output.write(`${this.dim(`switchyard chat — ${what}. /help for commands, Ctrl-C or /quit to leave.`)}\n`);
  }

  private prompt(): void {
    if (!this.io.interactive || this.quitting || this.closed) return;
    this.rl.prompt();
    // What was being typed during the answer comes back to be finished — after the lines entered before it.
    if (this.carried.length > 0 && this.typedAhead.size === 0) {
      const typed = this.carried;
      this.carried = '';
      this.rl.write(typed);
    }
  }

  private say(text: string): void {
    this.io.output.write(`${text}\n`);
  }

  private warn(text: string): void {
    this.io.errors.write(`${text}\n`);
  }

  private dim(text: string): string {
    return this.io.color ? `\x1b[2m${text}\x1b[0m` : text;
  }
}
