// A chat session over the state store (docs/chat.md). Every message is written to the store before the next step, so
// killing the process mid-answer loses nothing said before. The session is created in the store with its first
// user message (an empty `switchyard chat` leaves no trace).
import type { Route } from '../config/schema.ts';
import type { ChatMessage } from '../providers/types.ts';
import type { MessageRecord, SessionRecord, SessionStore } from '../state/types.ts';
import { findSession, newSessionId } from './ids.ts';
import { parseTypedRoute } from './route-text.ts';
import { deriveTitle, EMPTY_TITLE } from './title-text.ts';
import { estimateMessageTokens, estimatePromptTokens } from './tokens.ts';
import { routeName } from '../config/route-name.ts';

type Clock = () => number;

export class ChatSession {
  readonly id: string;
  private readonly store: SessionStore;
  private readonly now: Clock;
  private record: SessionRecord | undefined;
  private history: MessageRecord[];
  /** A route chosen (`--model`, `/model`) before the first message: kept here until the session is stored, so
   * choosing a route alone leaves no empty session behind. */
  private pendingRoute: string | undefined;
  /** A `/title` given before the first message: like the route, held until the session is stored. */
  private pendingTitle: string | undefined;
  /** Messages left out of the prompt (not the store) because a compression could not summarise them. */
  private omission: { fromSeq: number; toSeq: number; content: string; at: number } | undefined;

  private constructor(store: SessionStore, id: string, record: SessionRecord | undefined, now: Clock) {
    this.store = store;
    this.id = id;
    this.record = record;
    this.now = now;
    this.history = record ? store.listMessages(id) : [];
  }

  /** A new session; it reaches the store with its first message. */
  static fresh(store: SessionStore, now: Clock = Date.now): ChatSession {
    return new ChatSession(store, newSessionId(), undefined, now);
  }

  /** An existing session by id or unique id prefix (UserError when there is none). */
  static resume(store: SessionStore, idOrPrefix: string, now: Clock = Date.now): ChatSession {
    const record = findSession(store, idOrPrefix);
    return new ChatSession(store, record.id, record, now);
  }

  get exists(): boolean {
    return this.record !== undefined;
  }

  get title(): string {
    return this.record?.title ?? this.pendingTitle ?? EMPTY_TITLE;
  }

  get titleSource(): SessionRecord['title_source'] {
    return this.record?.title_source ?? (this.pendingTitle !== undefined ? 'user' : 'derived');
  }

  /** The `/model` route of this session, if one was set. */
  get route(): Route | undefined {
    const text = this.record ? this.record.route : this.pendingRoute;
    return text ? parseTypedRoute(text) : undefined;
  }

  get messages(): readonly MessageRecord[] {
    return this.history;
  }

  appendUser(text: string): MessageRecord {
    if (!this.record) this.createRecord(text);
    else if (this.titleSource === 'derived' && !this.history.some((m) => m.role === 'user'))
      this.update({ title: deriveTitle(text) });
    return this.append({ role: 'user', content: text });
  }

  appendAssistant(text: string, promptTokens?: number): MessageRecord {
    return this.append(
      promptTokens === undefined
        ? { role: 'assistant', content: text }
        : { role: 'assistant', content: text, prompt_tokens: promptTokens },
    );
  }

  /** A title the user set: it always wins. Before the first message it is held (like a route), so leaving without
   * saying anything still leaves nothing behind. */
  setUserTitle(title: string): void {
    if (!this.record) {
      this.pendingTitle = title;
      return;
    }
    this.update({ title, title_source: 'user' });
  }

  /** A generated title lands only if the user has not set one meanwhile (re-read from the store: another
   * process, or this one's `/title`, may have set it while the title call was running). */
  offerGeneratedTitle(title: string): boolean {
    const current = this.store.getSession(this.id);
    if (!current || current.title_source === 'user') return false;
    this.update({ title, title_source: 'generated' });
    return true;
  }

  setRoute(route: Route | undefined): void {
    const text = route ? routeName(route) : undefined;
    if (!this.record) {
      this.pendingRoute = text;
      return;
    }
    this.update({ route: text });
  }

  /** Replaces messages [fromSeq, toSeq] by one (a compression summary), in the store and here. */
  replaceRange(fromSeq: number, toSeq: number, content: string, kind: 'summary' | 'truncation'): MessageRecord {
    const replacement: MessageRecord = {
      session_id: this.id,
      seq: fromSeq,
      role: 'system',
      content,
      kind,
      created_at: this.now(),
    };
    this.store.replaceMessages(this.id, fromSeq, toSeq, replacement);
    this.history = this.store.listMessages(this.id);
    // The summary covers the middle the omission left out (both start after the same protected head).
    this.omission = undefined;
    this.update({});
    return replacement;
  }

  /** Leaves messages [fromSeq, toSeq] out of what is sent, in their place one marker; the store keeps them all, so a
   * later compression can summarise them and a resumed session has its whole history. */
  omitFromPrompt(fromSeq: number, toSeq: number, content: string): void {
    this.omission = { fromSeq, toSeq, content, at: this.now() };
  }

  /** The history as the canonical chat the router sends (with the omission's marker in place of what it covers). */
  prompt(): ChatMessage[] {
    const omission = this.omission;
    const out: ChatMessage[] = [];
    for (const m of this.history) {
      if (omission && m.seq >= omission.fromSeq && m.seq <= omission.toSeq) {
        if (m.seq === omission.fromSeq) out.push({ role: 'system', content: omission.content });
        continue;
      }
      out.push({ role: m.role, content: m.content });
    }
    return out;
  }

  /** Prompt tokens of the next request: the provider's last count plus estimates of what came after, or an estimate
   * of everything when no count is usable. */
  promptTokens(): number {
    const lastCompression = Math.max(
      this.omission?.at ?? -1,
      ...this.history.filter((m) => m.kind !== undefined).map((m) => m.created_at),
    );
    for (let i = this.history.length - 1; i >= 0; i--) {
      const m = this.history[i];
      if (m?.role !== 'assistant' || m.prompt_tokens === undefined) continue;
      if (m.created_at <= lastCompression) break;
      const after = this.history.slice(i).map((x) => estimateMessageTokens({ role: x.role, content: x.content }));
      return m.prompt_tokens + after.reduce((a, b) => a + b, 0);
    }
    return estimatePromptTokens(this.prompt());
  }

  /** How many answers the session has: the title upgrade runs after the first. */
  answerCount(): number {
    return this.history.filter((m) => m.role === 'assistant').length;
  }

  firstExchange(): { user: string; assistant: string } | undefined {
    const user = this.history.find((m) => m.role === 'user' && m.kind === undefined);
    const assistant = this.history.find((m) => m.role === 'assistant');
    return user && assistant ? { user: user.content, assistant: assistant.content } : undefined;
  }

  private append(m: Pick<MessageRecord, 'role' | 'content' | 'prompt_tokens'>): MessageRecord {
    const seq = (this.history.at(-1)?.seq ?? 0) + 1;
    const record: MessageRecord = { ...m, session_id: this.id, seq, created_at: this.now() };
    this.store.appendMessage(record);
    this.history.push(record);
    this.update({});
    return record;
  }

  private createRecord(firstMessage: string): void {
    const at = this.now();
    const record: SessionRecord = {
      id: this.id,
      title: this.pendingTitle ?? deriveTitle(firstMessage),
      title_source: this.pendingTitle !== undefined ? 'user' : 'derived',
      created_at: at,
      updated_at: at,
      ...(this.pendingRoute !== undefined ? { route: this.pendingRoute } : {}),
    };
    this.store.createSession(record);
    this.record = record;
  }

  private update(patch: Partial<Omit<SessionRecord, 'id'>>): void {
    const full = { ...patch, updated_at: this.now() };
    this.store.updateSession(this.id, full);
    const current = this.store.getSession(this.id);
    if (current) this.record = current;
  }
}
