// Anthropic's own front door: the Messages API. Its model list is OpenAI's path, answered in Anthropic's shape
// (openai/route.ts).
import { servePlainChat } from '../../plain-chat.ts';
import type { Route } from '../../route.ts';

export const anthropicRoutes: readonly Route[] = [
  { method: 'POST', path: '/v1/messages', serve: (hit) => servePlainChat(hit, 'anthropic') },
];
