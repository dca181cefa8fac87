// A fast path for the common OpenAI request — an agent's turn with its tools, tool calls and their results included —
// accepting only what schema.ts accepts, at a fraction of zod's cost (zod copies every message and schema it checks).
// Anything unsure returns undefined so zod runs and reports the located error.
import type { OpenAIWireRequest } from './schema.ts';
import { type Obj, isObj } from '../../../providers/translate/obj.ts';
import { passedOncePerShared } from '../../../shared-value.ts';

const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

const absent = (v: unknown): boolean => v === undefined || v === null;
const positiveInt = (v: unknown): boolean => absent(v) || (Number.isSafeInteger(v) && (v as number) > 0);
const inRange = (v: unknown, max: number): boolean =>
  absent(v) || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const name = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** A list each of whose items passes `each` (a loop, not `every`'s callback per item: this runs on every request). */
function everyOf(v: unknown, each: (item: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!each(item)) return false;
  return true;
}

const isTextPart = (p: unknown): boolean => isObj(p) && p['type'] === 'text' && typeof p['text'] === 'string';

/** Content the schema takes: a string, null, or text parts (any other part is the schema's to word). */
function isPlainContent(c: unknown): boolean {
  return c === undefined || c === null || typeof c === 'string' || everyOf(c, isTextPart);
}

/** `{id, type?: "function", function: {name, arguments}}`. */
function isToolCall(c: unknown): boolean {
  if (!isObj(c) || typeof c['id'] !== 'string' || (c['type'] !== undefined && c['type'] !== 'function')) return false;
  const fn = c['function'];
  return isObj(fn) && name(fn['name']) && typeof fn['arguments'] === 'string';
}

/** A message the schema takes: an agent's turns (tool calls and their results) included. */
function isPlainMessage(m: unknown): boolean {
  if (!isObj(m) || !ROLES.has(m['role']) || !isPlainContent(m['content'])) return false;
  if (!optionalString(m['name']) || !optionalString(m['tool_call_id'])) return false;
  const calls = m['tool_calls'];
  return calls === undefined || everyOf(calls, isToolCall);
}

/** A message the schema takes, its verdict kept for a shared one (an earlier turn's, which cannot have changed). */
const plainMessage = passedOncePerShared(isPlainMessage);

/** `{type: "function", function: {name, description?, parameters?, strict?}}`. */
function isTool(t: unknown): boolean {
  if (!isObj(t) || t['type'] !== 'function') return false;
  const fn = t['function'];
  if (!isObj(fn) || !name(fn['name']) || !optionalString(fn['description'])) return false;
  const strict = fn['strict'];
  return (fn['parameters'] === undefined || isObj(fn['parameters'])) && (absent(strict) || typeof strict === 'boolean');
}

/** No tools, or a list of function tools, and no tool_choice but a plain one. */
function isPlainTools(body: Obj): boolean {
  const choice = body['tool_choice'];
  if (choice !== undefined && choice !== 'auto' && choice !== 'none' && choice !== 'required') return false;
  const tools = body['tools'];
  return tools === undefined || everyOf(tools, isTool);
}

/** Any of OPENAI_SETTINGS present (named loads: this runs on every request). */
function hasSettings(b: Obj): boolean {
  return (
    b['user'] !== undefined ||
    b['parallel_tool_calls'] !== undefined ||
    b['response_format'] !== undefined ||
    b['seed'] !== undefined ||
    b['presence_penalty'] !== undefined ||
    b['frequency_penalty'] !== undefined ||
    b['reasoning_effort'] !== undefined ||
    b['logit_bias'] !== undefined ||
    b['prompt_cache_key'] !== undefined ||
    b['n'] !== undefined ||
    b['logprobs'] !== undefined
  );
}

/** The body as the schema would accept it, or undefined when only the schema can decide. */
export function fastOpenAIRequest(body: unknown): OpenAIWireRequest | undefined {
  if (!isObj(body)) return undefined;
  const model = body['model'];
  if (typeof model !== 'string' || model.length === 0) return undefined;
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  for (const m of messages) if (!plainMessage(m)) return undefined;
  if (!isPlainTools(body)) return undefined;
  if (hasSettings(body)) return undefined;
  if (!positiveInt(body['max_tokens']) || !positiveInt(body['max_completion_tokens'])) return undefined;
  if (!inRange(body['temperature'], 2) || !inRange(body['top_p'], 1)) return undefined;
  const stop = body['stop'];
  if (!absent(stop) && typeof stop !== 'string') return undefined;
  const stream = body['stream'];
  if (!absent(stream) && typeof stream !== 'boolean') return undefined;
  const options = body['stream_options'];
  if (
    !absent(options) &&
    !(isObj(options) && (options['include_usage'] === undefined || typeof options['include_usage'] === 'boolean'))
  )
    return undefined;
  return body as OpenAIWireRequest;
}
