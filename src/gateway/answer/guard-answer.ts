// The secrets guard on the answer going back (a model echoing a secret it was shown, docs/guard.md#where-it-runs): a whole
// answer's text and tool-call arguments, or a stream's pieces through a bounded window per block (stream-window.ts).
// Under redact and block the secret is replaced (what was said cannot be refused any more); under log a whole answer's
// secrets are counted and it goes out as it came, and a stream is left alone (no cost per event on the default).
import type { GatewayRequest } from '../request/exchange.ts';
import type { ChatResponse, StreamEvent } from '../../providers/types.ts';
import { guardFound, type RequestState } from '../request/request-state.ts';
import type { GuardMode } from '../../config/guard.ts';
import type { SecretHit } from '../../guard/scan.ts';
import { scanSecrets } from '../../guard/scan.ts';
import { redactHits } from '../../guard/redact.ts';
import { resolveGuardMode } from '../../guard/mode.ts';
import { StreamWindow, type WindowOut } from '../../guard/stream-window.ts';
import { guardValue } from '../../guard/tool-result.ts';

function modeOf(req: GatewayRequest): GuardMode {
  const s = req.sy as RequestState;
  return resolveGuardMode(s.caller?.keyGuard, req.server.gateway.settings.loaded.config.guard.secrets);
}

function found(s: RequestState, hits: readonly SecretHit[], where: string, mode: GuardMode): void {
  if (hits.length === 0 || mode === 'off') return;
  const action = mode === 'log' ? 'log' : 'redact';
  guardFound(
    s,
    hits.map((h) => ({ rule: h.rule.id, where, action }) as const),
  );
}

/** A whole answer, its secrets redacted (or only counted, under log). */
export function guardAnswer(req: GatewayRequest, answer: ChatResponse): ChatResponse {
  const mode = modeOf(req);
  if (mode === 'off') return answer;
  const s = req.sy as RequestState;
  const redact = mode !== 'log';
  const clean = (text: string, where: string): string => {
    const hits = scanSecrets(text);
    found(s, hits, where, mode);
    return redact && hits.length > 0 ? redactHits(text, hits) : text;
  };
  const content = clean(answer.content, 'answer.content');
  const toolCalls = answer.tool_calls.map((c, i) => {
    const args = clean(c.arguments, `answer.tool_calls[${i}]`);
    return args === c.arguments ? c : { ...c, arguments: args };
  });
  if (!redact) return answer;
  // A Responses route's own object goes to a Responses caller as it came: its strings are redacted too (counted
  // above, from the summary fields).
  const own = answer.responses_object;
  const object = own === undefined ? {} : { responses_object: guardValue(own, 'redact', 'answer').value };
  return { ...answer, content, tool_calls: toolCalls, ...object };
}

/** A stream's events, each text and tool-call block through its own window. Under `off` and `log`, the events
 * themselves: the default mode adds nothing per streamed event (a whole answer is still counted under log). */
export function guardAnswerEvents(req: GatewayRequest, events: AsyncIterator<StreamEvent>): AsyncIterator<StreamEvent> {
  const mode = modeOf(req);
  if (mode === 'off' || mode === 'log') return events;
  return new GuardedEvents(req.sy as RequestState, events, mode);
}

class GuardedEvents implements AsyncIterator<StreamEvent> {
  private readonly windows = new Map<string, StreamWindow>();
  private readonly ready: StreamEvent[] = [];
  private readonly redact: boolean;
  private readonly s: RequestState;
  private readonly inner: AsyncIterator<StreamEvent>;
  private readonly mode: GuardMode;

  constructor(s: RequestState, inner: AsyncIterator<StreamEvent>, mode: GuardMode) {
    this.s = s;
    this.inner = inner;
    this.mode = mode;
    this.redact = mode !== 'log';
  }

  async next(): Promise<IteratorResult<StreamEvent>> {
    while (this.ready.length === 0) {
      const r = await this.inner.next();
      if (r.done === true) {
        this.flushAll();
        if (this.ready.length === 0) return r;
        break;
      }
      this.take(r.value);
    }
    return { done: false, value: this.ready.shift()! };
  }

  return(value?: unknown): Promise<IteratorResult<StreamEvent>> {
    return this.inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
  }

  private take(e: StreamEvent): void {
    if (e.type === 'text' || e.type === 'refusal') {
      const out = this.window(`text:${e.id ?? ''}`).push(e.text, this.redact);
      this.give(out, 'answer.content', e, (text) => ({ ...e, text }));
    } else if (e.type === 'responses_event') {
      // Relayed as it came to a Responses caller; the canonical events after it carry the same words and are what
      // the findings are counted from, so here they are only redacted.
      if (this.redact) this.responsesEvent(e);
      else this.ready.push(e);
    } else if (e.type === 'tool_call_delta') {
      const where = `answer.tool_calls[${e.index}]`;
      const out = this.window(`tool:${e.index}`).push(e.arguments, this.redact);
      this.give(out, where, e, (text) => ({ ...e, arguments: text }));
    } else {
      if (e.type === 'text_end') this.flush(`text:${e.id}`, (text) => ({ type: 'text', text, id: e.id }));
      else if (e.type === 'tool_call_end')
        this.flush(`tool:${e.index}`, (text) => ({
          type: 'tool_call_delta',
          index: e.index,
          arguments: text,
          id: e.id,
        }));
      else if (e.type === 'finish') this.flushAll();
      this.ready.push(e);
    }
  }

  private window(key: string): StreamWindow {
    let w = this.windows.get(key);
    if (w === undefined) this.windows.set(key, (w = new StreamWindow()));
    return w;
  }

  /** A Responses route's event: a text delta through its item's window (what it held goes out as one more delta
   * before the item's `.done`), any other event's strings redacted whole. */
  private responsesEvent(e: Extract<StreamEvent, { type: 'responses_event' }>): void {
    const data = e.data;
    const key = `resp:${String(data['item_id'])}:${String(data['content_index'] ?? data['output_index'] ?? '')}`;
    if (e.event.endsWith('.delta') && typeof data['delta'] === 'string') {
      const out = this.window(key).push(data['delta'], true);
      this.ready.push({ ...e, data: { ...data, delta: out.text } });
      return;
    }
    const w = e.event.endsWith('.done') ? this.windows.get(key) : undefined;
    if (w !== undefined) {
      this.windows.delete(key);
      const held = w.flush(true).text;
      const delta = e.event.replace(/\.done$/, '.delta');
      if (held !== '') this.ready.push({ ...e, event: delta, data: heldDelta(data, delta, held) });
    }
    this.ready.push({ ...e, data: guardValue(data, 'redact', 'answer').value });
  }

  /** Under log the piece goes out as it came (the window only counts); otherwise what the window lets out. */
  private give(out: WindowOut, where: string, e: StreamEvent, make: (text: string) => StreamEvent): void {
    found(this.s, out.hits, where, this.mode);
    if (!this.redact) this.ready.push(e);
    else if (out.text !== '') this.ready.push(make(out.text));
  }

  private flush(key: string, make: (text: string) => StreamEvent): void {
    const w = this.windows.get(key);
    if (w === undefined) return;
    this.windows.delete(key);
    const out = w.flush(this.redact);
    found(
      this.s,
      out.hits,
      key.startsWith('tool') ? `answer.tool_calls[${key.slice(5)}]` : 'answer.content',
      this.mode,
    );
    if (this.redact && out.text !== '') this.ready.push(make(out.text));
  }

  /** A Responses item's window left open (a stream cut before its `.done`) is dropped: its tail may be a secret. */
  private flushAll(): void {
    for (const key of [...this.windows.keys()]) {
      if (key.startsWith('resp:')) {
        this.windows.delete(key);
        continue;
      }
      this.flush(key, (text) =>
        key.startsWith('tool')
          ? { type: 'tool_call_delta', index: Number(key.slice(5)), arguments: text }
          : { type: 'text', text, ...(key.length > 5 ? { id: key.slice(5) } : {}) },
      );
    }
  }
}

/** The held tail of a Responses item's text as one more delta, made from its `.done` event: without the whole text
 * (or arguments) the `.done` carries. */
function heldDelta(done: Record<string, unknown>, type: string, delta: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(done)) if (k !== 'text' && k !== 'arguments') out[k] = v;
  return { ...out, type, delta };
}
