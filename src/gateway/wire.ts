// The two API shapes the gateway speaks, over the providers' pure translators: parse a wire body to the canonical
// request, turn a canonical response or stream into the caller's shape, and write a mid-stream failure as that
// stream's own error event.
import type { ChatRequest, ChatResponse, StreamEvent } from '../providers/types.ts';
import { parseOpenAIRequest, toOpenAIResponse } from '../providers/translate/openai-wire.ts';
import { createOpenAIChunkEncoder, openAISseFrame, OPENAI_SSE_DONE } from '../providers/translate/openai-stream.ts';
import { anthropicErrorBody, openaiErrorBody, type Api, type ApiError } from './api-error.ts';

export interface ParsedWire {
  request: ChatRequest;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage?: boolean;
}

export interface StreamEncoder {
  /** SSE text for one canonical event (may be empty). */
  encode(ev: StreamEvent): string;
  /** SSE text that ends a complete stream. */
  end(): string;
  /** SSE text reporting a failure after the stream began; the stream then closes without its clean end. */
  error(err: ApiError): string;
}

export interface WireApi {
  api: Api;
  parse(body: unknown): ParsedWire;
  response(res: ChatResponse): object;
  streamEncoder(parsed: ParsedWire): StreamEncoder;
}

export const openaiWire: WireApi = {
  api: 'openai',
  parse: (body) => parseOpenAIRequest(body),
  response: (res) => toOpenAIResponse(res),
  streamEncoder(parsed) {
    const encode = createOpenAIChunkEncoder({ includeUsage: parsed.includeUsage === true });
    return {
      encode: (ev) => {
        const chunks = encode(ev);
        return chunks.length === 1 ? openAISseFrame(chunks[0]) : chunks.map(openAISseFrame).join('');
      },
      end: () => OPENAI_SSE_DONE,
      // OpenAI-compatible servers report a failure inside a stream as a data frame holding an `error` object.
      error: (err) => openAISseFrame(openaiErrorBody(err)),
    };
  },
};

export const anthropicWire: WireApi = {
  api: 'anthropic',
  parse: () => {
    throw new Error('anthropic wire: pending translator');
  },
  response: () => ({}),
  streamEncoder: () => ({ encode: () => '', end: () => '', error: (err) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(err))}\n\n` }),
};
