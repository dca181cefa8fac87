// An adapter made over a dialect of paths and bodies (Anthropic's and Gemini's own, and Vertex AI's of each): the
// same three calls, each given the dialect. Written once, so every shaped adapter is put together alike.
import type { ChatRequest, ChatResponse, ProviderAdapter, SendContext, StreamEvent } from './types.ts';

/** An adapter's calls, each taking the dialect it is made over first. */
export interface DialectCalls<D> {
  send(dialect: D, req: ChatRequest, ctx: SendContext): Promise<ChatResponse>;
  stream(dialect: D, req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent>;
  listModels(dialect: D, ctx: SendContext): Promise<string[]>;
}

export function adapterOver<D extends { type: ProviderAdapter['type'] }>(
  dialect: D,
  calls: DialectCalls<D>,
): ProviderAdapter {
  return {
    type: dialect.type,
    send: (req, ctx) => calls.send(dialect, req, ctx),
    stream: (req, ctx) => calls.stream(dialect, req, ctx),
    listModels: (ctx) => calls.listModels(dialect, ctx),
  };
}
