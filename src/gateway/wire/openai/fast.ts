// A fast path for the common OpenAI request, accepting exactly what schema.ts accepts at a fraction of zod's
// cost. Anything unsure returns undefined so zod runs and reports the located error.
import type { OpenAIWireRequest } from './schema.ts';
import { type Obj, isObj } from '../../../providers/translate/obj.ts';

const ROLES: ReadonlySet<unknown> = new Set(['system', 'developer', 'user', 'assistant']);

const absent = (v: unknown): boolean => v === undefined || v === null;
const positiveInt = (v: unknown): boolean => absent(v) || (Number.isSafeInteger(v) && (v as number) > 0);
const inRange = (v: unknown, max: number): boolean =>
  absent(v) || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max);

/** A plain text message: role without tool semantics, content a string or null, optional string name. */
function isPlainMessage(m: unknown): boolean {
  if (!isObj(m) || !ROLES.has(m['role'])) return false;
  const c = m['content'];
  if (c !== undefined && c !== null && typeof c !== 'string') return false;
  if (m['name'] !== undefined && typeof m['name'] !== 'string') return false;
  return m['tool_calls'] === undefined && m['tool_call_id'] === undefined;
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
  for (const m of messages) if (!isPlainMessage(m)) return undefined;
  if (body['tools'] !== undefined || body['tool_choice'] !== undefined) return undefined;
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
