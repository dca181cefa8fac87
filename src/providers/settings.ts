// The settings a chat request carries besides its model and messages. The library's ChatOptions and the canonical
// ChatRequest both hold them; this copies them across, only those that are set (absent stays absent).
import type { ChatRequest } from './types.ts';

export type RequestSettings = Omit<ChatRequest, 'model' | 'messages'>;

/** Every key of RequestSettings: the type below fails to check when one is added to ChatRequest and not here. */
const SETTING_KEYS = [
  'tools', 'tool_choice', 'max_tokens', 'temperature', 'top_p', 'stop', 'user', 'parallel_tool_calls', 'response_format',
  'seed', 'presence_penalty', 'frequency_penalty', 'reasoning_effort', 'top_k',
] as const satisfies readonly (keyof RequestSettings)[];
type Listed = (typeof SETTING_KEYS)[number];
const allListed: [Exclude<keyof RequestSettings, Listed>] extends [never] ? true : never = true;
void allListed;

export function copySettings<T extends RequestSettings>(to: T, from: RequestSettings): T {
  const src = from as Record<Listed, unknown>;
  const dst = to as Record<Listed, unknown>;
  for (const key of SETTING_KEYS) if (src[key] !== undefined) dst[key] = src[key];
  return to;
}
