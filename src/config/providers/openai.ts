// What only a type: openai provider takes: serving OpenAI's Responses API, over HTTP or its WebSocket mode
// (src/providers/openai-responses/). Spread into providerSchema (schema.ts), which runs openaiChecks.
import { z } from 'zod';
import type { ProviderType } from './types.ts';

export const openaiFields = {
  /** The provider also serves OpenAI's Responses API at {base_url}/responses: the gateway's Responses requests are
   * sent there as they came (built-in tools included) rather than translated to chat completions. */
  responses_api: z.boolean().default(false),
  /** With responses_api: the Responses requests go over OpenAI's WebSocket mode (`{base_url}/responses` upgraded),
   * a connection kept per conversation, rather than one HTTP POST each. */
  responses_websocket: z.boolean().default(false),
};

/** responses_api on an openai provider only, and responses_websocket only with it. */
export function openaiChecks(
  p: { type: ProviderType; responses_api: boolean; responses_websocket: boolean },
  ctx: z.RefinementCtx,
): void {
  if (p.responses_api && p.type !== 'openai') {
    ctx.addIssue({
      code: 'custom',
      path: ['responses_api'],
      message: `only a type: openai provider can serve the Responses API; leave it out (or false) for a type: ${p.type} provider`,
    });
  }
  if (p.responses_websocket && !p.responses_api) {
    ctx.addIssue({
      code: 'custom',
      path: ['responses_websocket'],
      message:
        'responses_websocket sends the Responses API over its WebSocket mode, so it needs responses_api: true on this provider; add it, or leave responses_websocket out',
    });
  }
}
