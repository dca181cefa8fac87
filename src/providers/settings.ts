// The settings a chat request carries besides its model and messages. The library's ChatOptions and the canonical
// ChatRequest both hold them; this copies them across, only those that are set (absent stays absent).
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
