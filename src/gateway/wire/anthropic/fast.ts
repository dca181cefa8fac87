// A fast path for the common Anthropic request — an agent's turn with its tools, tool calls and results, thinking and
// cache marks — accepting only what schema.ts accepts, without zod's copy of every message and schema it checks (at
// 200 KB that copy was 6–7% of the gateway's CPU). Anything unsure returns undefined, so zod runs and words the
// located error, as for OpenAI's (openai/fast.ts).
import type { AnthropicWireRequest } from './schema.ts';
import { type Obj, isObj } from '../../../providers/translate/obj.ts';
import { passedOncePerShared } from '../../../shared-value.ts';

const ROLES: ReadonlySet<unknown> = new Set(['user', 'assistant', 'system']);
const CHOICES: ReadonlySet<unknown> = new Set(['auto', 'any', 'tool', 'none']);

const absent = (v: unknown): boolean => v === undefined || v === null;
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
const nonEmpty = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isString = (v: unknown): boolean => typeof v === 'string';
const isBoolean = (v: unknown): boolean => typeof v === 'boolean';
const unit = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
const positiveInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0;

/** A list each of whose items passes `each` (a loop: this runs on every request). */
function everyOf(v: unknown, each: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!each(item)) return false;
  return true;
}

const isTextBlock = (b: unknown): boolean => isObj(b) && b['type'] === 'text' && typeof b['text'] === 'string';
const isResultPart = (b: unknown): boolean => isTextBlock(b) || (isObj(b) && b['type'] === 'image');

/** A content block as schema.ts's `byType` takes it: the four it checks, and any other typed block as it is. */
function isBlock(b: unknown): boolean {
  if (!isObj(b) || typeof b['type'] !== 'string') return false;
  switch (b['type']) {
    case 'text':
      return typeof b['text'] === 'string';
    case 'image':
      return true;
    case 'tool_use':
      return nonEmpty(b['id']) && nonEmpty(b['name']) && optional(b['input'], isObj);
    case 'tool_result':
      return (
        nonEmpty(b['tool_use_id']) &&
        optional(b['content'], (c) => typeof c === 'string' || everyOf(c, isResultPart)) &&
        optional(b['is_error'], isBoolean)
      );
    default:
      return true;
  }
}

function isMessage(m: unknown): boolean {
  if (!isObj(m) || !ROLES.has(m['role'])) return false;
  const c = m['content'];
  return (typeof c === 'string' || everyOf(c, isBlock)) && (absent(m['clear_at']) || isString(m['clear_at']));
}

/** A tool the caller defines is checked; a server tool (another `type`) is left to the translator, as zod leaves it. */
function isTool(t: unknown): boolean {
  if (!isObj(t)) return false;
  const type = t['type'];
  if (type !== undefined && typeof type !== 'string') return false;
  if (type !== undefined && type !== 'custom') return true;
  return nonEmpty(t['name']) && optional(t['description'], isString) && isObj(t['input_schema']);
}

function isToolChoice(c: unknown): boolean {
  return (
    isObj(c) &&
    CHOICES.has(c['type']) &&
    optional(c['name'], isString) &&
    optional(c['disable_parallel_tool_use'], isBoolean)
  );
}

/** `effort` only: a `format` is zod's to check. */
const isOutputConfig = (o: unknown): boolean =>
  isObj(o) && absent(o['format']) && (absent(o['effort']) || nonEmpty(o['effort']));

const isMetadata = (m: unknown): boolean => isObj(m) && (absent(m['user_id']) || isString(m['user_id']));

/** A message the schema takes, its verdict kept for a shared one (an earlier turn's, which cannot have changed). */
const checkedMessage = passedOncePerShared(isMessage);

/** The settings beside the messages, each as the schema takes it. */
function settingsOk(b: Obj): boolean {
  return (
    optional(b['max_tokens'], positiveInt) &&
    optional(b['system'], (s) => typeof s === 'string' || everyOf(s, isTextBlock)) &&
    optional(b['tools'], (t) => everyOf(t, isTool)) &&
    optional(b['tool_choice'], isToolChoice) &&
    optional(b['stop_sequences'], (s) => everyOf(s, isString)) &&
    optional(b['betas'], (s) => everyOf(s, isString)) &&
    optional(b['temperature'], unit) &&
    optional(b['top_p'], unit) &&
    optional(b['top_k'], positiveInt) &&
    optional(b['metadata'], isMetadata) &&
    optional(b['output_config'], isOutputConfig) &&
    (absent(b['thinking']) || (isObj(b['thinking']) && isString(b['thinking']['type']))) &&
    (absent(b['context_management']) || isObj(b['context_management'])) &&
    optional(b['stream'], isBoolean)
  );
}

/** The body as the schema would accept it, or undefined when only the schema can decide. */
export function fastAnthropicRequest(body: unknown): AnthropicWireRequest | undefined {
  if (!isObj(body) || !nonEmpty(body['model'])) return undefined;
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  for (const m of messages) if (!checkedMessage(m)) return undefined;
  return settingsOk(body) ? (body as AnthropicWireRequest) : undefined;
}
