// The settings a chat request carries besides its model and messages. The library's ChatOptions and the canonical
// ChatRequest both hold them; this copies them across, only those that are set (absent stays absent).
import type { ChatRequest } from './types.ts';

export type RequestSettings = Pick<ChatRequest, 'tools' | 'tool_choice' | 'max_tokens' | 'temperature' | 'top_p' | 'stop'>;

export function copySettings<T extends RequestSettings>(to: T, from: RequestSettings): T {
  if (from.tools !== undefined) to.tools = from.tools;
  if (from.tool_choice !== undefined) to.tool_choice = from.tool_choice;
  if (from.max_tokens !== undefined) to.max_tokens = from.max_tokens;
  if (from.temperature !== undefined) to.temperature = from.temperature;
  if (from.top_p !== undefined) to.top_p = from.top_p;
  if (from.stop !== undefined) to.stop = from.stop;
  return to;
}
