// Cursor's "Override OpenAI Base URL" posts Responses API bodies (`input`, `instructions`, Responses-shaped tools, no
// `messages`) to /v1/chat/completions for some models, and reads the answer as chat completions (JSON or
// `chat.completion.chunk` SSE). Such a body is read as the Responses request it is and answered in the chat
// completions shape, as LiteLLM does (docs/clients.md#cursor).
import { isObj, type Obj } from '../../providers/translate/obj.ts';
import { parseResponsesRequest } from './responses/request.ts';
import type { ParsedOpenAIRequest } from './openai/request.ts';
import type { CountedNeed } from './counted-need.ts';

/** `input` without `messages`: a Responses body, since a chat completions body must have `messages`. */
export function isResponsesShaped(body: unknown): body is Obj {
  return isObj(body) && body['messages'] === undefined && body['input'] !== undefined;
}

/** What the chat completions shape needs of a Responses body: the canonical request, and the stream's usage option
 * (which Cursor sends as chat completions spell it). Built-in tools (web_search, …) are left out, said in
 * `x-switchyard-dropped-tools`. */
export function parseResponsesShapedChat(
  body: Obj,
): ParsedOpenAIRequest & { droppedTools: string[]; needsCounted?: CountedNeed } {
  const parsed = parseResponsesRequest(body, { hostedTools: 'drop' });
  const request = parsed.request;
  // Every route is sent the translated request, a Responses one too: the answer goes back as chat completions.
  delete request.responses_body;
  const streamOptions = body['stream_options'];
  return {
    request,
    stream: parsed.stream,
    includeUsage: isObj(streamOptions) && streamOptions['include_usage'] === true,
    droppedTools: parsed.droppedTools,
    ...(parsed.needsCounted !== undefined ? { needsCounted: parsed.needsCounted } : {}),
  };
}
