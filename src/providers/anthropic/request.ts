// Canonical (src/providers/types.ts) → the Messages request the Anthropic adapter sends upstream (system messages,
// tool_use/tool_result blocks, alternating turns; docs/shapes.md#what-is-carried-across-shapes); its answer back to
// canonical is answer.ts. What an Anthropic caller of the gateway sends and gets is gateway/wire/.
import { limitCacheMarks } from './cache-marks.ts';
import type { AnthropicFields, ChatMessage, ChatRequest, ContentPart, ToolChoice, ToolDefinition } from '../types.ts';
import { isShared, madeOncePerShared, share } from '../../shared-value.ts';
import { cacheField, thinkingBlock, toAnthropicImage } from '../translate/parts.ts';
import { anthropicJson } from './output-format.ts';
import { argumentsObject } from '../translate/tool-input.ts';
import { withAnthropicToolIds } from './tool-ids.ts';
import { anthropicInputSchema } from './input-schema.ts';
import { samplingToWire } from './sampling.ts';
import { modelTakes } from './features.ts';
import { holdsThinking, thinkingToSend, thinks, withoutThinking } from './thinking.ts';
import { WireRequestError } from '../translate/wire-error.ts';
import { type Obj, isObj } from '../translate/obj.ts';

/** Anthropic requires max_tokens; canonical requests may leave it out. */
export const DEFAULT_MAX_TOKENS = 4096;

/** Tool arguments of a history sent to Anthropic: JSON text in canonical, an object there. Anything else is kept under
 * `_raw` (the caller's own history, passed on rather than refused). */
function argumentsToInput(args: string): Obj {
  return argumentsObject(args) ?? { _raw: args };
}

function toolToWire(t: ToolDefinition): Obj {
  return {
    name: t.name,
    ...(t.description !== undefined ? { description: t.description } : {}),
    input_schema: anthropicInputSchema(t.parameters),
    ...cacheField(t.cache_control),
  };
}

/** A tool as Anthropic takes it, made once for a shared one. */
const wireToolOf = madeOncePerShared(toolToWire);

/** Anthropic refuses text blocks that are empty or only whitespace ("text content blocks must contain non-whitespace
 * text"), which OpenAI-compatible models often write beside tool calls: left out, like empty ones. */
const blank = (text: string): boolean => text.trim() === '';

function partsToBlocks(parts: readonly ContentPart[]): Obj[] {
  // Anthropic rejects empty text blocks.
  // An unsigned thinking block (Gemini's thought summary, after a fallback) is not Claude's: Anthropic would refuse it.
  return parts
    .filter((p) => (p.type !== 'text' || !blank(p.text)) && !(p.type === 'thinking' && p.signature === ''))
    .map((p) =>
      p.type === 'text'
        ? { type: 'text', text: p.text, ...cacheField(p.cache_control) }
        : p.type === 'image'
          ? toAnthropicImage(p)
          : p.type === 'compaction'
            ? { type: 'compaction', content: p.content, ...p.fields }
            : thinkingBlock(p),
    );
}

/** A message's blocks, made once for a shared message (a turn an earlier request sent too) and shared in turn: their
 * bytes are then written once (json-bytes.ts). Never changed: a turn's list is its own, and a block is replaced. */
const blocksOf = madeOncePerShared(messageBlocks);

function messageBlocks(m: ChatMessage): Obj[] {
  if (m.role === 'tool') {
    const content = m.parts !== undefined ? partsToBlocks(m.parts) : (m.content ?? '');
    const result: Obj = {
      type: 'tool_result',
      tool_use_id: m.tool_call_id ?? '',
      content,
      ...cacheField(m.cache_control),
    };
    if (m.is_error === true) result['is_error'] = true;
    return [result];
  }
  if (m.parts !== undefined && m.role === 'user') return partsToBlocks(m.parts);
  const blocks: Obj[] = m.parts !== undefined ? partsToBlocks(m.parts) : [];
  if (m.parts === undefined && m.content && !blank(m.content)) blocks.push({ type: 'text', text: m.content });
  for (const c of m.tool_calls ?? [])
    blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: argumentsToInput(c.arguments) });
  return blocks;
}

/** An Anthropic turn being built, and the messages it came from (a system turn's go to `system` when it cannot stay in
 * place). `own` when anything but merging its messages' blocks made it (a prefill trimmed, neighbours joined around a
 * system turn, a turn put first): it is not one another request could share. */
interface Turn {
  role: 'user' | 'assistant' | 'system';
  content: Obj[];
  sources: ChatMessage[];
  own?: boolean;
}

export interface AnthropicMessagesOptions {
  /** The route's model takes system messages in the middle of `messages` (features.ts). */
  midSystem?: boolean;
}

/** Canonical messages → Anthropic turns: tool results become user turns, same-role neighbours merge, and system
 * messages go to `system` unless they may stay in place. */
export function toAnthropicMessages(
  messages: readonly ChatMessage[],
  options: AnthropicMessagesOptions = {},
): { system?: string | Obj[]; messages: Obj[] } {
  const opening = messages.findIndex((m) => m.role !== 'system');
  const leading = opening < 0 ? messages : messages.slice(0, opening);
  const turns: Turn[] = [];
  let emptyLastAsk = false;
  for (const m of opening < 0 ? [] : messages.slice(opening)) {
    if (m.role === 'system') {
      addSystemTurn(turns, m);
      continue;
    }
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks = blocksOf(m);
    emptyLastAsk = blocks.length === 0 && role === 'user';
    if (blocks.length === 0) continue; // Anthropic rejects empty text blocks.
    const last = turns[turns.length - 1];
    if (last && last.role === role) {
      // Tool results must lead their user turn, so they go after earlier results but before any text.
      const firstOther = last.content.findIndex((b) => b['type'] !== 'tool_result');
      if (m.role === 'tool' && firstOther !== -1) last.content.splice(firstOther, 0, ...blocks);
      else last.content.push(...blocks);
      last.sources.push(m);
    } else {
      turns.push({ role, content: [...blocks], sources: [m] });
    }
  }
  const hoisted = placeSystemTurns(turns, options.midSystem === true);
  const system = systemToWire([...leading, ...hoisted]);
  // Leaving out an empty last question would turn the request into a prefill: the model would continue the
  // assistant's previous message instead of answering. Anthropic refuses an empty message; so does this route.
  if (emptyLastAsk && (turns.length > 0 || system === undefined))
    throw new WireRequestError(
      'messages',
      'the last message has no content: an Anthropic route cannot take an empty message, and without it the model would continue the previous assistant message instead of answering',
    );
  trimPrefill(turns);
  userFirst(turns);
  // Instructions alone (an OpenAI caller may send only a system or developer message): Anthropic needs a user turn,
  // so the instructions become it rather than the call failing as a bad request that no fallback would retry.
  if (turns.length === 0 && system !== undefined)
    return {
      messages: [{ role: 'user', content: typeof system === 'string' ? [{ type: 'text', text: system }] : system }],
    };
  return {
    ...(system !== undefined ? { system } : {}),
    messages: turns.map(wireTurn),
  };
}

/** Turns made from shared messages (an earlier request's), by the messages they came from: the same messages make the
 * same turn, which is then shared too, so the body's run of repeated turns is one kept run of bytes
 * (translate/shared-runs.ts) instead of a new object and a copy of its blocks' bytes per request. */
const KEPT_TURNS = new WeakMap<ChatMessage, { sources: readonly ChatMessage[]; turn: Obj }>();

function wireTurn(t: Turn): Obj {
  if (t.own === true || t.role === 'system' || !t.sources.every(isShared)) return { role: t.role, content: t.content };
  const first = t.sources[0]!;
  const kept = KEPT_TURNS.get(first);
  // The same messages make a turn of the same role: the role is its first message's.
  if (kept !== undefined && sameMessages(kept.sources, t.sources)) return kept.turn;
  const turn = share({ role: t.role, content: t.content });
  KEPT_TURNS.set(first, { sources: t.sources, turn });
  return turn;
}

function sameMessages(a: readonly ChatMessage[], b: readonly ChatMessage[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A system message after the conversation began: a turn of its own (consecutive ones are one turn, as Anthropic
 * allows no two system messages side by side). */
function addSystemTurn(turns: Turn[], m: ChatMessage): void {
  const blocks =
    m.parts !== undefined
      ? partsToBlocks(m.parts)
      : m.content && !blank(m.content)
        ? [{ type: 'text', text: m.content }]
        : [];
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === 'system') {
    last.content.push(...blocks);
    last.sources.push(m);
  } else {
    turns.push({ role: 'system', content: blocks, sources: [m] });
  }
}

/** Keeps a system turn in place only where Anthropic allows one; any other joins `system`, so its instructions still
 * reach the model (docs/shapes.md#system-messages-mid-conversation). */
function placeSystemTurns(turns: Turn[], midSystem: boolean): ChatMessage[] {
  const hoisted: ChatMessage[] = [];
  for (let i = 0; i < turns.length;) {
    const turn = turns[i]!;
    const before = turns[i - 1];
    const after = turns[i + 1];
    if (
      turn.role !== 'system' ||
      (midSystem && before?.role === 'user' && (after === undefined || after.role === 'assistant'))
    ) {
      i++;
      continue;
    }
    hoisted.push(...turn.sources);
    turns.splice(i, 1);
    if (before !== undefined && after !== undefined && before.role === after.role) {
      before.content.push(...after.content);
      before.sources.push(...after.sources);
      before.own = true;
      turns.splice(i, 1);
    }
  }
  return hoisted;
}

/** The user turn put before a history that opens with the assistant: the least text Anthropic takes (it refuses
 * empty and whitespace-only text), as LiteLLM sends. */
const OPENING_USER_TURN = '.';

/** Anthropic refuses a history that opens with the assistant (a chat UI's greeting), so a minimal user turn goes
 * first and the greeting stays. */
function userFirst(turns: Turn[]): void {
  if (turns[0]?.role === 'assistant')
    turns.unshift({ role: 'user', content: [{ type: 'text', text: OPENING_USER_TURN }], sources: [], own: true });
}

/** A conversation ending with an assistant turn asks the model to continue it (a prefill); Anthropic refuses one
 * that ends in whitespace ("final assistant content cannot end with trailing whitespace"). */
function trimPrefill(turns: Turn[]): void {
  const last = turns.at(-1);
  const block = last?.role === 'assistant' ? last.content.at(-1) : undefined;
  if (block?.['type'] !== 'text' || typeof block['text'] !== 'string') return;
  const text = block['text'].trimEnd();
  // A copy: the block may be shared with other requests.
  if (text === block['text']) return;
  last!.content[last!.content.length - 1] = { ...block, text };
  last!.own = true;
}

/** The system messages as Anthropic's `system`: one string, or blocks when any of it carries a cache mark (a
 * cache breakpoint is placed on a block). */
function systemToWire(system: readonly ChatMessage[]): string | Obj[] | undefined {
  if (system.some((m) => m.parts !== undefined)) {
    const blocks = system.flatMap((m) =>
      m.parts !== undefined ? partsToBlocks(m.parts) : m.content ? [{ type: 'text', text: m.content }] : [],
    );
    return blocks.length > 0 ? blocks : undefined;
  }
  const texts = system.map((m) => m.content ?? '').filter((t) => !blank(t));
  return texts.length > 0 ? texts.join('\n\n') : undefined;
}

function toolChoiceToWire(c: ToolChoice): Obj {
  if (typeof c !== 'string') return { type: 'tool', name: c.name };
  return { type: c === 'required' ? 'any' : c };
}

/** Settings with an Anthropic equivalent; seed, penalties, reasoning_effort, logit_bias and prompt_cache_key have none and stay out. */
function settingsToWire(req: ChatRequest, body: Obj): void {
  if (req.user !== undefined) body['metadata'] = { user_id: req.user };
  // Only with a tool_choice that lets the model call tools: Anthropic's `none` has no such field.
  if (
    req.parallel_tool_calls === false &&
    req.tools !== undefined &&
    req.tools.length > 0 &&
    req.tool_choice !== 'none'
  ) {
    body['tool_choice'] = {
      ...((body['tool_choice'] as Obj | undefined) ?? { type: 'auto' }),
      disable_parallel_tool_use: true,
    };
  }
  const json = req.response_format === undefined ? {} : anthropicJson(req.response_format, req.model);
  if (json.format !== undefined) body['output_config'] = { format: json.format };
  const instruction = json.instruction;
  if (instruction === undefined) return;
  const system = body['system'];
  if (Array.isArray(system)) system.push({ type: 'text', text: instruction });
  else body['system'] = typeof system === 'string' ? `${system}\n\n${instruction}` : instruction;
}

/** Blank stop sequences (`"\n"`) are dropped: Anthropic refuses them, and dropping one only skips that stop. */
const stopSequences = (stop: readonly string[] | undefined): string[] => (stop ?? []).filter((s) => !blank(s));

/** Canonical → the JSON body sent to the Anthropic Messages API. */
export function toAnthropicRequest(req: ChatRequest, options: { stream: boolean }): Obj {
  const history = withAnthropicToolIds(req.messages);
  const midSystem = modelTakes(req.model, 'mid_conversation_system');
  let { system, messages } = toAnthropicMessages(history, { midSystem });
  const thinking = thinkingToSend(req, messages);
  if (!thinks(thinking) && history.some(holdsThinking))
    ({ system, messages } = toAnthropicMessages(withoutThinking(history), { midSystem }));
  const body: Obj = { model: req.model, max_tokens: req.max_tokens ?? DEFAULT_MAX_TOKENS, messages };
  if (system !== undefined) body['system'] = system;
  if (req.tools && req.tools.length > 0) body['tools'] = req.tools.map((t) => wireToolOf(t));
  if (req.tool_choice !== undefined) body['tool_choice'] = toolChoiceToWire(req.tool_choice);
  samplingToWire(req, body);
  const stops = stopSequences(req.stop);
  if (stops.length > 0) body['stop_sequences'] = stops;
  settingsToWire(req, body);
  if (req.anthropic_fields !== undefined) anthropicFieldsToWire(req, req.anthropic_fields, body, thinking);
  if (options.stream) body['stream'] = true;
  limitCacheMarks(body);
  return body;
}

/** The caller's Anthropic-only fields, left out where the route's model would refuse them
 * (docs/shapes.md#anthropic-only-fields-thinking-context_management-effort); `thinking` as thinkingToSend decided. */
function anthropicFieldsToWire(
  req: ChatRequest,
  fields: AnthropicFields,
  body: Obj,
  thinking: Readonly<Record<string, unknown>> | undefined,
): void {
  if (thinking !== undefined) body['thinking'] = thinking;
  const context =
    fields.context_management === undefined
      ? undefined
      : contextManagement(fields.context_management, thinks(thinking));
  if (context !== undefined) body['context_management'] = context;
  // After settingsToWire: the format it set stays beside the caller's other output_config fields.
  const output = { ...(body['output_config'] as Obj | undefined), ...fields.output_config };
  if (!modelTakes(req.model, 'effort')) delete output['effort'];
  if (Object.keys(output).length > 0) body['output_config'] = output;
}

/** `context_management` without its `clear_thinking_…` edits when no thinking is sent; left out when no edit is left.
 * The same object when it is sent as it came. */
export function contextManagement(
  context: Readonly<Record<string, unknown>>,
  thinks: boolean,
): Record<string, unknown> | undefined {
  const edits = context['edits'];
  if (thinks || !Array.isArray(edits)) return context;
  const kept = edits.filter(
    (e: unknown) => !(isObj(e) && typeof e['type'] === 'string' && e['type'].startsWith('clear_thinking')),
  );
  if (kept.length === edits.length) return context;
  return kept.length > 0 ? { ...context, edits: kept } : undefined;
}
