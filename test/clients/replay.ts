// Replays one captured request through a gateway exactly as the client sent it (method, path, headers, body; only
// the redacted credential becomes the gateway's key) and reads the answer with the official SDK's own machinery:
// the SDK's error classes for a failure, its SSE parser and stream accumulators (Anthropic MessageStream, OpenAI
// ChatCompletionStream, ResponseStream) for a stream, as the clients themselves read it.
import Anthropic, { APIError as AnthropicAPIError } from '@anthropic-ai/sdk';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Stream as AnthropicStream } from '@anthropic-ai/sdk/streaming';
import OpenAI, { APIError as OpenAIAPIError } from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { ResponseStream } from 'openai/lib/responses/ResponseStream';
import type { Stream as OpenAIStream } from 'openai/streaming';
import { REDACTED, type Fixture } from './fixture.ts';

export interface Gateway {
  url: string;
  key: string;
}

/** What came back, as the SDK read it. */
export type Answer =
  | { kind: 'answer'; status: 200; text: string; toolCalls: string[]; finish: string }
  | {
      kind: 'error';
      status: number;
      type: string;
      message: string;
      shouldRetry: string | null;
      retryAfter: string | null;
      retryAfterMs: string | null;
    }
  | { kind: 'plain'; status: number; body: unknown };

export type Api = 'messages' | 'chat' | 'responses' | 'other';

export function apiOf(path: string): Api {
  const p = path.split('?')[0] ?? '';
  if (p === '/v1/messages') return 'messages';
  if (p === '/v1/chat/completions') return 'chat';
  if (p === '/v1/responses') return 'responses';
  return 'other';
}

export async function replay(f: Fixture, gw: Gateway): Promise<Answer> {
  const api = apiOf(f.request.path);
  if (api === 'other') return plain(await send(f, gw));
  const stream = (f.request.body as { stream?: unknown } | null)?.stream === true;
  try {
    if (api === 'messages') return await messages(f, gw, stream);
    return api === 'chat' ? await chat(f, gw, stream) : await responses(f, gw, stream);
  } catch (err) {
    if (err instanceof AnthropicAPIError || err instanceof OpenAIAPIError) return errorAnswer(err);
    throw err;
  }
}

/** The captured request, sent as it was captured. */
function send(f: Fixture, gw: Gateway, signal?: AbortSignal | null): Promise<Response> {
  const headers = Object.fromEntries(
    Object.entries(f.request.headers).map(([k, v]) => [k, v.replace(REDACTED, gw.key)]),
  );
  const body = withUnknownPrevious(f.request.body);
  const init: RequestInit = { method: f.request.method, headers, signal: signal ?? null };
  if (body !== null) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${gw.url}${f.request.path}`, init);
}

/** A captured `previous_response_id` named a response of the capturing gateway; the simulator's ids repeat from run
 * to run, so one this gateway happened to give would make the answer depend on the tests before. Replayed, it names
 * a response no gateway gave: always `previous_response_not_found`. */
export const UNKNOWN_RESPONSE_ID = 'resp_captured_elsewhere_not_issued_here';

function withUnknownPrevious(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || !('previous_response_id' in body)) return body;
  const previous = (body as { previous_response_id?: unknown }).previous_response_id;
  return typeof previous === 'string' ? { ...body, previous_response_id: UNKNOWN_RESPONSE_ID } : body;
}

/** A `fetch` for an SDK client that sends the captured request instead of the one the SDK built. */
function sendingCaptured(f: Fixture, gw: Gateway): typeof fetch {
  return (_input, init) => send(f, gw, init?.signal);
}

async function messages(f: Fixture, gw: Gateway, stream: boolean): Promise<Answer> {
  const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0, fetch: sendingCaptured(f, gw) });
  const message = stream
    ? await MessageStream.fromReadableStream(
        (
          await client.post<AnthropicStream<Anthropic.RawMessageStreamEvent>>(f.request.path, {
            body: {},
            stream: true,
          })
        ).toReadableStream(),
      ).finalMessage()
    : await client.post<Anthropic.Message>(f.request.path, { body: {} });
  return {
    kind: 'answer',
    status: 200,
    text: message.content.map((b) => (b.type === 'text' ? b.text : '')).join(''),
    toolCalls: message.content.flatMap((b) => (b.type === 'tool_use' ? [b.name] : [])),
    finish: message.stop_reason ?? '',
  };
}

async function chat(f: Fixture, gw: Gateway, stream: boolean): Promise<Answer> {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0, fetch: sendingCaptured(f, gw) });
  const completion = stream
    ? await ChatCompletionStream.fromReadableStream(
        (
          await client.post<OpenAIStream<OpenAI.ChatCompletionChunk>>(f.request.path, { body: {}, stream: true })
        ).toReadableStream(),
      ).finalChatCompletion()
    : await client.post<OpenAI.ChatCompletion>(f.request.path, { body: {} });
  const choice = completion.choices[0];
  return {
    kind: 'answer',
    status: 200,
    text: choice?.message.content ?? '',
    toolCalls: (choice?.message.tool_calls ?? []).map((c) => (c.type === 'function' ? c.function.name : c.custom.name)),
    finish: choice?.finish_reason ?? '',
  };
}

async function responses(f: Fixture, gw: Gateway, stream: boolean): Promise<Answer> {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0, fetch: sendingCaptured(f, gw) });
  const response = stream
    ? await ResponseStream.fromReadableStream(
        (
          await client.post<OpenAIStream<OpenAI.Responses.ResponseStreamEvent>>(f.request.path, {
            body: {},
            stream: true,
          })
        ).toReadableStream(),
      ).finalResponse()
    : await client.post<OpenAI.Responses.Response>(f.request.path, { body: {} });
  return {
    kind: 'answer',
    status: 200,
    text: response.output
      .flatMap((o) => (o.type === 'message' ? o.content.map((c) => (c.type === 'output_text' ? c.text : '')) : []))
      .join(''),
    toolCalls: response.output.flatMap((o) =>
      o.type === 'function_call' || o.type === 'custom_tool_call' ? [o.name] : [],
    ),
    finish: response.status ?? '',
  };
}

function errorAnswer(err: AnthropicAPIError | OpenAIAPIError): Answer {
  const body = err.error as { type?: unknown; error?: { type?: unknown } } | undefined;
  // Anthropic's body is {type: "error", error: {type, message}}; the OpenAI SDK keeps the inner {message, type, code}.
  const type = err instanceof AnthropicAPIError ? String(body?.error?.type ?? '') : String(body?.type ?? '');
  return {
    kind: 'error',
    status: err.status ?? 0,
    type,
    message: err.message,
    shouldRetry: err.headers?.get('x-should-retry') ?? null,
    retryAfter: err.headers?.get('retry-after') ?? null,
    retryAfterMs: err.headers?.get('retry-after-ms') ?? null,
  };
}

async function plain(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { kind: 'plain', status: res.status, body };
}
