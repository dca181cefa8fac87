// Prompt-cache affinity, the hashing half: which prefixes of a request an earlier request may have left in a
// provider's prompt cache, as hashes (never the text). One pass over the prompt, one fast hash per message chained
// onto the prefix before it (credentials/prefix-chain.ts), read at the few message boundaries that matter
// (docs/credentials.md#cache-affinity).
import type { AffinityMode, Config } from '../config/schema.ts';
import type { ChatMessage, ToolDefinition } from '../providers/types.ts';
import type { AffinityRecord } from '../state/types.ts';
import { madeOncePerShared } from '../shared-value.ts';
import { KeptPrefixes, type FoldStep } from '../kept-prefix.ts';
import { bytesStep, openChain, prefixKey, spanHashOf, spanStep, textHashOf, type PrefixState } from './prefix-chain.ts';

/** What one request's prompt says for affinity: the prefixes to look up, most recent first, and its own prompt to
 * remember once it is answered. */
export interface PrefixHashes {
  /** Prefixes an earlier turn sent whole: before each of the last assistant messages (the turn that answered it),
   * and up to the last cache breakpoint. */
  lookups: { hash: string; tokens: number }[];
  /** The whole prompt: what the next turn's lookup finds. */
  whole: { hash: string; tokens: number };
  /** The conversation's opening (tools, system, first message), the same on every turn of it: a derived
   * `prompt_cache_key` for OpenAI (docs/credentials.md#cache-hints-across-api-shapes). */
  conversation: string;
}

/** What a call's prompt hashes are made of. */
export interface AffinityPrompt {
  /** What else must match besides the prompt (the task, a model the caller named). */
  scope: string;
  messages: PromptMessages;
  tools: readonly ToolDefinition[] | Uint8Array | undefined;
}

/** One call's affinity (routing/affinity-step.ts): its prompt and, once needed, its hashes (turnHashes); the earlier
 * turn found, and what came of it. */
export interface AffinityTurn {
  prompt: AffinityPrompt;
  /** Made at the start when the prompt has an earlier turn to look up, else when first asked for (turnHashes): a
   * call that fails, or is answered by a provider without affinity, hashes nothing. */
  hashes?: PrefixHashes;
  /** The earlier turn whose prefix this one repeats: its route and key are where the cache is warm. */
  found?: AffinityRecord;
  /** Why the earlier turn's key or route is not the one used, as last learnt. */
  why?: string;
  /** The earlier turn's key was asked for on its route (once per call). */
  asked?: boolean;
  /** Made only for a Responses conversation's owner (routing/owner-step.ts), with prompt-cache affinity off: no cache
   * key is derived from it. */
  ownerOnly?: true;
}

/** How many earlier turns are looked for: the last one, and two before it (a turn whose answer was lost). */
const TURNS_LOOKED_BACK = 3;

/** A provider's affinity: its own setting, else `credentials.affinity`. */
export function affinityMode(config: Config, provider: string): AffinityMode {
  return config.providers[provider]?.affinity ?? config.credentials.affinity;
}

/** Whether any provider of the config keeps affinity: when none does, requests are not hashed at all. */
export function affinityInUse(config: Config): boolean {
  if (config.credentials.affinity === 'prefix') return true;
  for (const p of Object.values(config.providers)) if (p.affinity === 'prefix') return true;
  return false;
}

/** Prompts shorter than this many characters (without tools, images or cache marks) are left out of affinity:
 * OpenAI, Anthropic and Gemini cache nothing under 1,024 tokens, and a character is about a token at most. Hashing
 * and remembering such a prompt cost ~3 µs a request for no cache to keep; a conversation is taken up as soon as its
 * prompt is this long. */
export const MIN_CACHED_CHARS = 1024;

/** Whether the prompt may be long enough for a provider's prompt cache. Tools, images and cache marks count as long:
 * their size is not in the text, and a mark asks for caching. */
export function mayBeCached(messages: readonly ChatMessage[], tools: readonly ToolDefinition[] | undefined): boolean {
  if (tools !== undefined && tools.length > 0) return true;
  let chars = 0;
  for (const m of messages) {
    if (m.parts !== undefined || m.cache_control !== undefined) return true;
    chars += m.content?.length ?? 0;
    if (m.tool_calls !== undefined) for (const c of m.tool_calls) chars += c.name.length + c.arguments.length;
    if (chars >= MIN_CACHED_CHARS) return true;
  }
  return false;
}

/** Whether the prompt has an earlier turn to look up: an assistant message after the first, or a cache mark before
 * the last message (boundaries' rules). */
export function continuesEarlierTurn(messages: readonly ChatMessage[]): boolean {
  for (let i = messages.length - 1; i > 0; i--) if (messages[i]!.role === 'assistant') return true;
  for (let i = messages.length - 2; i >= 0; i--) if (carriesMark(messages[i]!)) return true;
  return false;
}

/** The turn's hashes, made once. */
export function turnHashes(turn: AffinityTurn): PrefixHashes {
  return (turn.hashes ??= prefixHashes(turn.prompt.scope, turn.prompt.messages, turn.prompt.tools));
}

/** A message as the bytes its caller sent (a request forwarded as it came). Hashed as bytes: a conversation whose
 * turns come once as spans and once as canonical messages misses once, never hits wrongly. */
export interface MessageSpan {
  /** How many bytes the message is: what it adds to the prefix's size. */
  size: number;
  /** The bytes' xxHash64, when the body's parse took it (json-pieces.ts); else taken here from `bytes`. */
  hash?: bigint;
  /** The bytes, needed only when no hash came with them. */
  bytes?: Uint8Array;
}

/** A prompt read from the caller's bytes: its canonical messages, read from those bytes one for one, and each one's
 * span, made only when the chain needs it (an earlier turn's chain covers most of a long conversation). The lookups
 * are placed by the canonical messages: their roles and cache marks are the spans'. */
export interface SpanMessages {
  readonly canonical: readonly ChatMessage[];
  spanAt(index: number): MessageSpan;
}

/** A prompt's messages in one form: canonical, or as their spans of the caller's body. */
export type PromptMessages = readonly ChatMessage[] | SpanMessages;

/** `scope`: what else must match besides the prompt (the task, a model the caller named). `tools`: canonical, or the
 * span of the caller's tools. */
export function prefixHashes(
  scope: string,
  messages: PromptMessages,
  tools: readonly ToolDefinition[] | Uint8Array | undefined,
): PrefixHashes {
  const spans = isSpanMessages(messages) ? messages : undefined;
  const list = spans?.canonical ?? (messages as readonly ChatMessage[]);
  const wanted = boundaries(list);
  const opening = list.findIndex((m) => m.role !== 'system');
  const start = openPrefix(scope, spans !== undefined, tools);
  const chain = CHAINS.fold(
    start.state,
    { state: start.state, size: 0 },
    list,
    spans === undefined ? textStep : spanStepOf(spans),
  );
  // Before message i: the start's state and characters, or the chain's after message i - 1.
  const stateBefore = (i: number) => (i === 0 ? start.state : chain[i - 1]!.state);
  const charsBefore = (i: number) => start.chars + (i === 0 ? 0 : chain[i - 1]!.size);
  // Most recent first.
  const lookups = [...wanted]
    .sort((a, b) => b - a)
    .map((i) => ({ hash: prefixKey(stateBefore(i)), tokens: Math.ceil(charsBefore(i) / 4) }));
  const n = list.length;
  const whole = prefixKey(stateBefore(n));
  const conversation = opening >= 0 ? prefixKey(chain[opening]!.state) : whole;
  return { lookups, whole: { hash: whole, tokens: Math.ceil(charsBefore(n) / 4) }, conversation };
}

/** The chain after a message: its state, and the size of the messages so far. */
interface ChainAt {
  state: PrefixState;
  size: number;
}

/** Each prompt's chain, kept for its conversation's next turn (one per opening state: the scope, tools and form). */
const CHAINS = new KeptPrefixes<ChainAt>();

/** One canonical message more on the chain, by its text's hash and length. */
function textStep(before: ChainAt, m: ChatMessage): ChainAt {
  const own = textHash(m);
  return { state: spanStep(before.state, own.hash), size: before.size + own.chars };
}

/** One message more on the chain, by its span's hash and size. */
function spanStepOf(spans: SpanMessages): FoldStep<ChainAt, ChatMessage> {
  return (before, _m, i) => {
    const span = spans.spanAt(i);
    return { state: spanStep(before.state, hashOfSpan(span)), size: before.size + span.size };
  };
}

/** The hash of a prefix extended by the messages after it: an earlier turn's hash (`whole`) continued with what a
 * later turn added gives the later turn's, without hashing again what they share. The messages must be in the form
 * the prefix was hashed in. */
export function continuePrefix(hash: string, messages: readonly ChatMessage[] | readonly MessageSpan[]): string {
  let state = BigInt(`0x${hash}`);
  for (const m of messages as readonly (ChatMessage | MessageSpan)[])
    state = spanStep(state, isSpan(m) ? hashOfSpan(m) : textHash(m).hash);
  return prefixKey(state);
}

const isSpan = (m: ChatMessage | MessageSpan): m is MessageSpan => 'size' in m;

/** A span's hash: the parse's, else its bytes' (a span comes with one or the other). */
const hashOfSpan = (m: MessageSpan): bigint => m.hash ?? spanHashOf(m.bytes ?? new Uint8Array());

function isSpanMessages(messages: PromptMessages): messages is SpanMessages {
  return 'canonical' in messages;
}

/** The chain's start: the form and the scope, then the tools (their member's bytes, or each tool's hash chained), and
 * how many characters (or bytes) they count for. */
function openPrefix(
  scope: string,
  spans: boolean,
  tools: readonly ToolDefinition[] | Uint8Array | undefined,
): { state: PrefixState; chars: number } {
  const text = `${scope}\u0000`;
  let state = openChain(spans ? 'bytes' : 'text', text);
  if (tools instanceof Uint8Array) return { state: bytesStep(state, tools), chars: text.length + tools.length };
  let chars = text.length;
  if (tools !== undefined)
    for (const t of tools) {
      const h = toolHash(t);
      state = spanStep(state, h.hash);
      chars += h.chars;
    }
  return { state, chars };
}

/** Indexes the lookups are taken before: each of the last few assistant messages, and the message after the last
 * cache breakpoint (an Anthropic caller's mark ends the prefix it wants cached). */
function boundaries(messages: readonly ChatMessage[]): Set<number> {
  const at = new Set<number>();
  for (let i = messages.length - 1; i > 0 && at.size < TURNS_LOOKED_BACK; i--)
    if (messages[i]!.role === 'assistant') at.add(i);
  for (let i = messages.length - 2; i >= 0; i--) {
    if (carriesMark(messages[i]!)) {
      at.add(i + 1);
      break;
    }
  }
  return at;
}

/** A canonical message carries a cache breakpoint, on itself or on one of its parts. */
export function carriesMark(m: ChatMessage): boolean {
  if (m.cache_control !== undefined) return true;
  if (m.parts === undefined) return false;
  for (const p of m.parts) if ('cache_control' in p && p.cache_control !== undefined) return true;
  return false;
}

/** A tool by its name and description (their schemas rarely change alone, and serialising them costs more than a hint
 * is worth), hashed alone and chained as a message is: taken once for a shared tool (an agent sends the same tools on
 * every turn, and encoding their descriptions again was ~3 % of a 20 KB Anthropic request's CPU). */
const toolHash = madeOncePerShared((t: ToolDefinition): { hash: bigint; chars: number } => {
  const text = `${t.name}\u0001${t.description ?? ''}\u0002`;
  return { hash: textHashOf(text), chars: text.length };
});

/** A message's text hashed alone, and its length; taken once for a shared message (an earlier turn's). */
const textHash = madeOncePerShared((m: ChatMessage): { hash: bigint; chars: number } => {
  const text = messageText(m);
  return { hash: textHashOf(text), chars: text.length };
});

/** A message's role, text and tool calls (images count by their number only). */
function messageText(m: ChatMessage): string {
  let text = `\u001e${m.role}\u0001${m.content ?? ''}`;
  if (m.tool_calls !== undefined) for (const c of m.tool_calls) text += `\u0002${c.name}\u0003${c.arguments}`;
  if (m.tool_call_id !== undefined) text += `\u0004${m.tool_call_id}`;
  if (m.parts !== undefined) for (const p of m.parts) if (p.type === 'image') text += '\u0005';
  return text;
}
