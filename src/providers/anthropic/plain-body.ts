// Whether an Anthropic caller's own body may go to an Anthropic route as it came (splice-body.ts): it holds nothing
// the translation (request.ts) would change but what is spliced, and the fields the translation leaves out, which are
// taken out of it (docs/shapes.md: a field the gateway does not know is accepted and not forwarded) — the body's own
// (`betas`, `speed`, …), a tool's (`defer_loading`) and a message's (a system message's `output_config`). Each
// member has its row; one its row refuses sends the request through the translation instead, which is always right,
// only slower. What the rows check is what the translation changes: blank text it leaves out, turns it merges or
// reorders, system messages it moves or drops, tool ids it rewrites, thinking it withholds, cache marks past
// Anthropic's four, fields inside a content block.
import type { ChatRequest } from '../types.ts';
import { type Obj, isObj } from '../translate/obj.ts';
import { madeOncePerShared } from '../../shared-value.ts';
import { modelTakes } from './features.ts';
import { MAX_CACHE_MARKS } from './cache-marks.ts';
import { anthropicInputSchema } from './input-schema.ts';

/** The fields to take out of a body passed on: the body's own, and each tool's or message's by its index. */
export interface Strips {
  body: string[];
  tools: Map<number, readonly string[]>;
  messages: Map<number, readonly string[]>;
}

/** What a content block's check reads: whether thinking is sent, and the cache marks counted so far. */
interface BlockContext {
  thinks: boolean;
  /** Cache marks counted so far, over tools, system and messages. */
  marks: { count: number };
}

/** What a member's row may read besides the member: the attempt's request, whether thinking is sent, the marks. */
interface PlainContext extends BlockContext {
  req: ChatRequest;
  strips: Strips;
}

type Row = (value: unknown, ctx: PlainContext) => boolean;

/** Anthropic's tool-call id alphabet (tool-ids.ts). */
const VALID_ID = /^[a-zA-Z0-9_-]+$/;

const blank = (text: unknown): boolean => typeof text !== 'string' || text.trim() === '';

/** Only these keys, each optional. */
function onlyKeys(o: Obj, keys: ReadonlySet<string>): boolean {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
}

/** The keys of `o` the translation does not carry: taken out of element `i` of a member. */
function stripOthers(o: Obj, keys: ReadonlySet<string>, into: Map<number, readonly string[]>, i: number): void {
  const others = othersOf(o, keys);
  if (others.length > 0) into.set(i, others);
}

function othersOf(o: Obj, keys: ReadonlySet<string>): string[] {
  const others: string[] = [];
  for (const k in o) if (!keys.has(k)) others.push(k);
  return others;
}

/** A cache mark as the translation keeps it (`cacheControlOf`), counted; anything else it would change. */
function markOk(o: Obj, ctx: BlockContext): boolean {
  const mark = o['cache_control'];
  if (mark === undefined) return true;
  if (!isObj(mark) || mark['type'] !== 'ephemeral') return false;
  const ttl = mark['ttl'];
  if (!onlyKeys(mark, TTL_KEYS) || (ttl !== undefined && ttl !== '5m' && ttl !== '1h')) return false;
  ctx.marks.count++;
  return true;
}
const TTL_KEYS: ReadonlySet<string> = new Set(['type', 'ttl']);

const TEXT_KEYS: ReadonlySet<string> = new Set(['type', 'text', 'cache_control']);
const textBlock = (b: Obj, ctx: BlockContext): boolean =>
  b['type'] === 'text' && !blank(b['text']) && onlyKeys(b, TEXT_KEYS) && markOk(b, ctx);

/** A list of non-blank text blocks. */
function textBlocks(v: unknown, ctx: BlockContext): boolean {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const b of v) if (!isObj(b) || !textBlock(b, ctx)) return false;
  return true;
}

const RESULT_KEYS: ReadonlySet<string> = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);
function toolResult(b: Obj, ctx: BlockContext): boolean {
  if (!onlyKeys(b, RESULT_KEYS) || typeof b['tool_use_id'] !== 'string' || !VALID_ID.test(b['tool_use_id']))
    return false;
  const c = b['content'];
  return (c === undefined || typeof c === 'string' || textBlocks(c, ctx)) && markOk(b, ctx);
}

/** A user turn: text, or tool results first and text after them (the order the translation puts them in). */
function userContent(content: unknown, ctx: BlockContext): boolean {
  if (typeof content === 'string') return !blank(content);
  if (!Array.isArray(content) || content.length === 0) return false;
  let text = false;
  for (const b of content) {
    if (!isObj(b)) return false;
    if (b['type'] === 'tool_result') {
      if (text || !toolResult(b, ctx)) return false;
    } else if (textBlock(b, ctx)) text = true;
    else return false;
  }
  return true;
}

const USE_KEYS: ReadonlySet<string> = new Set(['type', 'id', 'name', 'input']);
const THINKING_KEYS: ReadonlySet<string> = new Set(['type', 'thinking', 'signature']);
const REDACTED_KEYS: ReadonlySet<string> = new Set(['type', 'data']);

/** A signed thinking block, sent only with thinking: without it the translation leaves the history's out. */
function thinkingBlock(b: Obj, ctx: BlockContext): boolean {
  if (!ctx.thinks) return false;
  if (b['type'] === 'thinking')
    return onlyKeys(b, THINKING_KEYS) && typeof b['thinking'] === 'string' && !blank(b['signature']);
  return b['type'] === 'redacted_thinking' && onlyKeys(b, REDACTED_KEYS) && typeof b['data'] === 'string';
}

/** An assistant turn: thinking and text, then its tool calls (last, as the translation puts them), ids valid and
 * each used once. */
function assistantContent(content: unknown, ctx: BlockContext, ids: Set<string>): boolean {
  if (typeof content === 'string') return !blank(content);
  if (!Array.isArray(content) || content.length === 0) return false;
  let calls = false;
  for (const b of content) {
    if (!isObj(b)) return false;
    if (b['type'] === 'tool_use') {
      const id = b['id'];
      if (!onlyKeys(b, USE_KEYS) || typeof id !== 'string' || !VALID_ID.test(id) || ids.has(id)) return false;
      if (blank(b['name']) || !isObj(b['input'])) return false;
      ids.add(id);
      calls = true;
    } else if (calls || !(textBlock(b, ctx) || thinkingBlock(b, ctx))) return false;
  }
  return true;
}

const MESSAGE_KEYS: ReadonlySet<string> = new Set(['role', 'content']);

/** What a user or assistant turn (or a tool) says to its row, all but its place in the list: whether the translation
 * keeps it as it is, the cache marks it holds, its tool calls' ids (each once in it), and its keys the translation
 * does not carry. */
interface Verdict {
  ok: boolean;
  marks: number;
  ids: readonly string[];
  others: readonly string[];
}

function turnVerdict(m: Obj, thinks: boolean): Verdict {
  const ctx: BlockContext = { thinks, marks: { count: 0 } };
  const ids = new Set<string>();
  const ok = m['role'] === 'user' ? userContent(m['content'], ctx) : assistantContent(m['content'], ctx, ids);
  return { ok, marks: ctx.marks.count, ids: [...ids], others: othersOf(m, MESSAGE_KEYS) };
}

/** A turn's verdict, made once for a shared message, with thinking sent and without: an agent's earlier turns come
 * back as the same objects on every turn, and checking each of their blocks again was ~3 % of a 20 KB Anthropic
 * request (bench/README.md, "The chat lane"). */
const verdictThinking = madeOncePerShared((m: Obj) => turnVerdict(m, true));
const verdictPlain = madeOncePerShared((m: Obj) => turnVerdict(m, false));

/** Whether a user or assistant turn may go as it is, its marks counted, its ids checked against the calls before it
 * and its keys the translation does not carry noted. */
function plainTurn(m: Obj, i: number, ctx: PlainContext, ids: Set<string>): boolean {
  const verdict = (ctx.thinks ? verdictThinking : verdictPlain)(m);
  if (!verdict.ok) return false;
  for (const id of verdict.ids) {
    if (ids.has(id)) return false;
    ids.add(id);
  }
  taken(verdict, ctx, ctx.strips.messages, i);
  return true;
}

/** A passed verdict's marks counted, and its keys the translation does not carry noted for element `i`. */
function taken(verdict: Verdict, ctx: PlainContext, into: Map<number, readonly string[]>, i: number): void {
  ctx.marks.count += verdict.marks;
  if (verdict.others.length > 0) into.set(i, verdict.others);
}

/** A system message the translation keeps where it stands: the route's model takes one there, between a user turn
 * and the assistant's (or at the end), and no later user message clears it. */
function keptSystem(v: readonly unknown[], i: number, m: Obj, ctx: PlainContext, expect: string): boolean {
  const next: unknown = v[i + 1];
  const after = isObj(next) ? next['role'] : undefined;
  if (!modelTakes(ctx.req.model, 'mid_conversation_system') || expect !== 'assistant') return false;
  if (after !== undefined && after !== 'assistant') return false;
  if (m['clear_at'] === 'next_user_message' && v.slice(i + 1).some((later) => isObj(later) && later['role'] === 'user'))
    return false;
  return typeof m['content'] === 'string' ? !blank(m['content']) : textBlocks(m['content'], ctx);
}

/** Turns alternate from a user's; a system message stays in place only where the route's model takes one there. */
const messagesRow: Row = (v, ctx) => {
  if (!Array.isArray(v) || v.length === 0) return false;
  const ids = new Set<string>();
  let expect: 'user' | 'assistant' = 'user';
  for (let i = 0; i < v.length; i++) {
    const m: unknown = v[i];
    if (!isObj(m)) return false;
    const role = m['role'];
    if (role === 'system') {
      if (!keptSystem(v, i, m, ctx, expect)) return false;
      stripOthers(m, MESSAGE_KEYS, ctx.strips.messages, i);
    } else {
      if (role !== expect || !plainTurn(m, i, ctx, ids)) return false;
      expect = role === 'user' ? 'assistant' : 'user';
    }
  }
  return !endsInSpace(v[v.length - 1]);
};

/** A conversation ending with the assistant's text that ends in whitespace: the translation trims it (a prefill). */
function endsInSpace(last: unknown): boolean {
  if (!isObj(last) || last['role'] !== 'assistant') return false;
  const c = last['content'];
  const text = typeof c === 'string' ? c : Array.isArray(c) && isObj(c.at(-1)) ? (c.at(-1) as Obj)['text'] : undefined;
  return typeof text === 'string' && text !== text.trimEnd();
}

const systemRow: Row = (v, ctx) => (typeof v === 'string' ? !blank(v) : textBlocks(v, ctx));

const TOOL_KEYS: ReadonlySet<string> = new Set(['name', 'description', 'input_schema', 'cache_control']);
/** Custom tools whose schema the translation sends as it is; what else a tool says (`type: "custom"`,
 * `defer_loading`) it leaves out. */
const toolsRow: Row = (v, ctx) => {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    if (!isObj(t)) return false;
    const verdict = toolVerdict(t);
    if (!verdict.ok) return false;
    taken(verdict, ctx, ctx.strips.tools, i);
  }
  return true;
};

/** A tool's verdict, made once for a shared tool (an agent sends the same tools on every turn). */
const toolVerdict = madeOncePerShared((t: Obj): Verdict => {
  const ctx: BlockContext = { thinks: false, marks: { count: 0 } };
  const schema = t['input_schema'];
  const ok =
    !blank(t['name']) &&
    (t['description'] === undefined || typeof t['description'] === 'string') &&
    isObj(schema) &&
    anthropicInputSchema(schema) === schema &&
    markOk(t, ctx);
  return { ok, marks: ctx.marks.count, ids: [], others: othersOf(t, TOOL_KEYS) };
});

const CHOICE_KEYS: ReadonlySet<string> = new Set(['type', 'name', 'disable_parallel_tool_use']);
/** As the translation writes it back: a name only for `tool`, parallel use turned off only where it means something. */
const toolChoiceRow: Row = (v, ctx) => {
  if (!isObj(v) || !onlyKeys(v, CHOICE_KEYS)) return false;
  const type = v['type'];
  if (type !== 'auto' && type !== 'any' && type !== 'none' && type !== 'tool') return false;
  if ((type === 'tool') !== (v['name'] !== undefined)) return false;
  const off = v['disable_parallel_tool_use'];
  if (off === undefined) return true;
  return off === true && type !== 'none' && (ctx.req.tools?.length ?? 0) > 0;
};

const stopRow: Row = (v) => Array.isArray(v) && v.length > 0 && v.every((s) => !blank(s));

const METADATA_KEYS: ReadonlySet<string> = new Set(['user_id']);
const metadataRow: Row = (v) => isObj(v) && onlyKeys(v, METADATA_KEYS) && typeof v['user_id'] === 'string';

const OUTPUT_KEYS: ReadonlySet<string> = new Set(['effort']);
/** `effort` alone (a `format` is the translation's: it may add instructions to `system`). */
const outputRow: Row = (v) => isObj(v) && onlyKeys(v, OUTPUT_KEYS) && typeof v['effort'] === 'string';

/** Spliced by splice-body.ts whatever they hold: checked there, or sent as the attempt says. */
const spliced: Row = () => true;

/** The members a body passed on may have, each with its row. */
const ROWS: Readonly<Record<string, Row>> = {
  model: spliced,
  max_tokens: spliced,
  stream: spliced,
  temperature: spliced,
  top_p: spliced,
  top_k: spliced,
  thinking: spliced,
  context_management: spliced,
  messages: messagesRow,
  system: systemRow,
  tools: toolsRow,
  tool_choice: toolChoiceRow,
  stop_sequences: stopRow,
  metadata: metadataRow,
  output_config: outputRow,
};

/** The fields to take out of `body` before it is sent as it came, but for what is spliced; undefined when it must be
 * translated instead. Its cache marks are within Anthropic's limit. */
export function plainAnthropicBody(body: Readonly<Obj>, req: ChatRequest, thinks: boolean): Strips | undefined {
  const strips: Strips = { body: [], tools: new Map(), messages: new Map() };
  const ctx: PlainContext = { req, thinks, marks: { count: 0 }, strips };
  // Tools, system, then messages: the order the translation counts marks in.
  for (const key of ['tools', 'system', 'messages'])
    if (body[key] !== undefined && !ROWS[key]!(body[key], ctx)) return undefined;
  for (const key in body) {
    const row = ROWS[key];
    if (row === undefined) strips.body.push(key);
    else if (key !== 'tools' && key !== 'system' && key !== 'messages' && !row(body[key], ctx)) return undefined;
  }
  return body['messages'] !== undefined && ctx.marks.count <= MAX_CACHE_MARKS ? strips : undefined;
}
