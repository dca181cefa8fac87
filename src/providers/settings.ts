// The settings a chat request carries besides its model and messages. The library's ChatOptions and the canonical
// ChatRequest both hold them; this copies them across, only those that are set (absent stays absent), and tells
// whether an attempt's request still shares the caller's (sameButSpliced).
import type { ChatRequest } from './types.ts';

export type RequestSettings = Omit<ChatRequest, 'model' | 'messages'>;

/** The settings an OpenAI chat body carries under these very names; the gateway's OpenAI shape checks them
 * (gateway/wire/openai/schema.ts `OPENAI_SETTINGS`). */
export const OPENAI_NAMED_SETTINGS = [
  'user',
  'parallel_tool_calls',
  'response_format',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'reasoning_effort',
  'logit_bias',
  'prompt_cache_key',
] as const;

/** Every key of RequestSettings: the type below fails to check when one is added to ChatRequest and not here
 * (then add it to copySettings too; test/providers/settings.test.ts checks that every listed key is copied). */
export const SETTING_KEYS = [
  'tools',
  'tool_choice',
  'max_tokens',
  'temperature',
  'top_p',
  'stop',
  ...OPENAI_NAMED_SETTINGS,
  'top_k',
  'anthropic_beta',
  'anthropic_fields',
  'responses_body',
  'wire_body',
] as const satisfies readonly (keyof RequestSettings)[];
type Listed = (typeof SETTING_KEYS)[number];
const allListed: [Exclude<keyof RequestSettings, Listed>] extends [never] ? true : never = true;
void allListed;

/** Field by field rather than a loop over SETTING_KEYS: it runs twice per gateway request, and named loads are
 * several times cheaper than keyed ones. */
export function copySettings<T extends RequestSettings>(to: T, from: RequestSettings): T {
  if (from.tools !== undefined) to.tools = from.tools;
  if (from.tool_choice !== undefined) to.tool_choice = from.tool_choice;
  if (from.max_tokens !== undefined) to.max_tokens = from.max_tokens;
  if (from.temperature !== undefined) to.temperature = from.temperature;
  if (from.top_p !== undefined) to.top_p = from.top_p;
  if (from.stop !== undefined) to.stop = from.stop;
  if (from.user !== undefined) to.user = from.user;
  if (from.parallel_tool_calls !== undefined) to.parallel_tool_calls = from.parallel_tool_calls;
  if (from.response_format !== undefined) to.response_format = from.response_format;
  if (from.seed !== undefined) to.seed = from.seed;
  if (from.presence_penalty !== undefined) to.presence_penalty = from.presence_penalty;
  if (from.frequency_penalty !== undefined) to.frequency_penalty = from.frequency_penalty;
  if (from.reasoning_effort !== undefined) to.reasoning_effort = from.reasoning_effort;
  if (from.logit_bias !== undefined) to.logit_bias = from.logit_bias;
  if (from.prompt_cache_key !== undefined) to.prompt_cache_key = from.prompt_cache_key;
  if (from.top_k !== undefined) to.top_k = from.top_k;
  if (from.anthropic_beta !== undefined) to.anthropic_beta = from.anthropic_beta;
  if (from.anthropic_fields !== undefined) to.anthropic_fields = from.anthropic_fields;
  if (from.responses_body !== undefined) to.responses_body = from.responses_body;
  if (from.wire_body !== undefined) to.wire_body = from.wire_body;
  return to;
}

/** What a same-shape splice puts into the caller's bytes itself (openai/splice-body.ts, anthropic/splice-body.ts),
 * besides the model: an attempt may change these and still be sent the caller's bytes. An Anthropic body has no
 * `prompt_cache_key`: its translation leaves it out, so the splice has nothing to put in. */
export const SPLICED_SETTINGS = ['max_tokens', 'prompt_cache_key', 'anthropic_beta', 'wire_body'] as const;

/** Whether an attempt's request is the caller's but for the model and SPLICED_SETTINGS: the same messages and
 * settings, the same objects (not copies). Field by field, as copySettings: it runs on every same-shape send, and a
 * loop of keyed loads over two requests' keys was megamorphic (test/providers/settings.test.ts checks every key). */
export function sameButSpliced(req: ChatRequest, caller: Readonly<ChatRequest>): boolean {
  return (
    req.messages === caller.messages &&
    req.tools === caller.tools &&
    req.tool_choice === caller.tool_choice &&
    req.temperature === caller.temperature &&
    req.top_p === caller.top_p &&
    req.stop === caller.stop &&
    req.user === caller.user &&
    req.parallel_tool_calls === caller.parallel_tool_calls &&
    req.response_format === caller.response_format &&
    req.seed === caller.seed &&
    req.presence_penalty === caller.presence_penalty &&
    req.frequency_penalty === caller.frequency_penalty &&
    req.reasoning_effort === caller.reasoning_effort &&
    req.logit_bias === caller.logit_bias &&
    req.top_k === caller.top_k &&
    req.anthropic_fields === caller.anthropic_fields &&
    req.responses_body === caller.responses_body
  );
}
