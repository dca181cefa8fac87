// The canonical chat shape every adapter translates to and from. It follows the OpenAI chat shape closely (it is
// the lingua franca of OpenAI-compatible APIs) but is our own typed subset, so the Anthropic adapter and the
// gateway's /v1/messages endpoint translate through it and a chain can cross provider types.

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as OpenAI sends it. */
  arguments: string;
}

/** An image in a message: a `data:` URL (base64) or an http(s) URL. `detail` is OpenAI's resolution hint (an
 * Anthropic route leaves it out). */
export interface ImagePart {
  type: 'image';
  url: string;
  detail?: 'auto' | 'low' | 'high';
  cache_control?: CacheControl;
}

/** Anthropic's prompt-cache breakpoint, kept where the caller put it (system, message parts, tool results, tools).
 * Only Anthropic routes are sent it: OpenAI-compatible providers cache prompts on their own. */
export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

/** An Anthropic thinking block from an answer, kept as it came (its `signature` is only valid, unmodified, on the
 * platform that made it): an Anthropic caller's history carries it back to Anthropic routes; no other route gets it. */
export type ThinkingPart =
  { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

/** An Anthropic `compaction` block (server-side compaction): the summary that stands for everything before it.
 * Anthropic routes get it back as it came; other routes get its summary as text, without what it replaced. */
export interface CompactionPart {
  type: 'compaction';
  content: string;
  /** The block's other fields as they came (`encrypted_content`, `signature`, `tool_changes`; `content: null` for a
   * failed compaction), which Anthropic wants back verbatim: sent with it to Anthropic routes, to no other. */
  fields?: Record<string, unknown>;
}

export type ContentPart =
  { type: 'text'; text: string; cache_control?: CacheControl } | ImagePart | ThinkingPart | CompactionPart;

export interface ChatMessage {
  role: Role;
  /** Text content. Multi-part text content is joined; null for an assistant message that only calls tools. */
  content: string | null;
  /** The whole content, in order, when text alone would lose images, cache marks or (assistant) thinking blocks;
   * `content` stays its text for what reads text only. */
  parts?: ContentPart[];
  /** A prompt-cache mark on the message as a whole (an Anthropic tool result). */
  cache_control?: CacheControl;
  name?: string;
  /** Assistant tool calls. */
  tool_calls?: ToolCall[];
  /** For role `tool`: which call this answers. */
  tool_call_id?: string;
  /** For role `tool`: the tool failed (Anthropic's `is_error`). An OpenAI route gets an `Error: ` prefix instead. */
  is_error?: boolean;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /** OpenAI's strict mode (the arguments always match the schema), as the caller set it: sent to OpenAI-compatible
   * routes only. */
  strict?: boolean;
  cache_control?: CacheControl;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** OpenAI's `response_format`. An Anthropic route, which has no such setting, asks for JSON in the system prompt. */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean };
    };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  /** An id for the end user, for the provider's abuse monitoring (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  /** false: at most one tool call per answer (OpenAI `parallel_tool_calls`, Anthropic `disable_parallel_tool_use`). */
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  /** Settings only OpenAI-compatible APIs have: an Anthropic route leaves them out. */
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  reasoning_effort?: string;
  /** Token id → bias (-100 to 100). */
  logit_bias?: Record<string, number>;
  /** Groups requests that share a long prompt prefix so OpenAI's prompt cache hits (Codex sends one per
   * conversation). */
  prompt_cache_key?: string;
  /** Anthropic's `top_k`: an OpenAI-compatible route leaves it out (OpenAI refuses it). */
  top_k?: number;
  /** Anthropic beta features the caller asked for (its `anthropic-beta` header, e.g. a longer context window): sent
   * to Anthropic routes only, beside any the provider's config sets. */
  anthropic_beta?: string[];
  /** Anthropic request fields with no equivalent elsewhere, as an Anthropic caller sent them: sent to Anthropic routes
   * only, as far as the route's model takes them (anthropic/request.ts); an OpenAI-compatible route leaves them out. */
  anthropic_fields?: AnthropicFields;
  /** A Responses request as its caller sent it, sent as is to a route with `responses_api: true`; others ignore it. */
  responses_body?: Record<string, unknown>;
  /** The caller's own body, when it came in a provider's shape: a route of that shape is sent these bytes with only
   * what must change spliced in (openai/splice-body.ts); any other is sent the translation, as without it. */
  wire_body?: WireBody;
}

/** A caller's body as it came, beside what it was read as. */
export interface WireBody {
  /** The API shape it is in: OpenAI's chat completions, its Responses API (then `body` is the request's
   * `responses_body` while no step has changed it), or Anthropic's Messages API. */
  shape: 'openai_chat' | 'responses' | 'anthropic_messages';
  bytes: Buffer;
  /** The body as parsed: read, never changed. */
  body: Readonly<Record<string, unknown>>;
  /** Where each element of its arrays (its messages, its tools) is in `bytes`, with each one's xxHash64, when it was
   * parsed in pieces: prompt-cache affinity hashes the messages from these. */
  elements?: readonly ByteSpan[];
  /** Where its top-level members are: found by the parse of a large body, or on the first attempt that splices it
   * (translate/splice.ts `wireMembers`); null when its bytes are not to be passed on (a key twice, too deep). */
  members?: Members | null;
  /** The canonical request read from it (its settings, without this field): an attempt whose request differs from it
   * in anything but what is spliced (the model, the output limit, the prompt cache key) is translated instead. */
  request: Readonly<ChatRequest>;
}

/** The Anthropic-only request fields carried to Anthropic routes (docs/shapes.md says what each does elsewhere). */
export interface AnthropicFields {
  /** `{type: "adaptive" | "enabled" | "disabled", …}`: the model's extended thinking. */
  thinking?: Record<string, unknown>;
  /** `{edits: [...]}`: server-side context editing (clearing old thinking and tool results). */
  context_management?: Record<string, unknown>;
  /** `output_config` without `format` (which travels as `response_format`): `effort`, … */
  output_config?: Record<string, unknown>;
}

export interface Usage {
  /** The whole prompt, cached parts included: what the context window holds. */
  input_tokens: number;
  output_tokens: number;
  /** How much of the prompt the provider read from its prompt cache. */
  cache_read_tokens?: number;
  /** How much of the prompt was written to the prompt cache (Anthropic bills these at a higher rate). */
  cache_write_tokens?: number;
  /** How much of the output was the model's hidden reasoning (OpenAI's `reasoning_tokens`, already counted in
   * `output_tokens`). Anthropic reports no such count, so it is absent from Anthropic routes. */
  reasoning_tokens?: number;
}

/** Why the answer ended. `stop_sequence`, `pause_turn` and `compaction` (a compaction beta's
 * `pause_after_compaction`: the answer is the compaction block alone) are Anthropic's; OpenAI shapes read them as
 * `stop`. */
export type FinishReason =
  'stop' | 'stop_sequence' | 'length' | 'tool_calls' | 'content_filter' | 'pause_turn' | 'compaction';

export interface ChatResponse {
  id: string;
  model: string;
  content: string;
  /** The route's thinking, in order: Claude's signed blocks (Anthropic, Bedrock, Vertex), or Gemini's thought summary
   * (its signature empty). An Anthropic caller gets them before the text and tool calls (where Anthropic puts them);
   * other shapes leave them out. */
  thinking?: ThinkingPart[];
  /** An Anthropic answer's `compaction` block (server-side compaction): its summary, answered to an Anthropic caller
   * as the block it was. */
  compaction?: string;
  /** That block's other fields as they came (CompactionPart.fields). */
  compaction_fields?: Record<string, unknown>;
  tool_calls: ToolCall[];
  finish_reason: FinishReason;
  /** The stop sequence that ended the answer, when finish_reason is `stop_sequence` and the upstream named it. */
  stop_sequence?: string;
  /** The model declined (OpenAI's `message.refusal`), kept apart from the text so an OpenAI caller gets it back as
   * `refusal`, not as an answer to parse. */
  refusal?: string;
  usage?: Usage;
  /** The upstream's own Responses API object, when a Responses route answered a `responses_body` request: a
   * Responses caller gets it as it is (built-in tool calls, annotations and all); the fields above summarise it. */
  responses_object?: Record<string, unknown>;
}

/** Canonical stream events. Content comes in blocks, as the AI SDK's stream parts do: a text, thinking or tool-call
 * block opens with its `*_start`, carries deltas with the block's `id`, and closes with its `*_end`, so a reader
 * needs no guess where one ends (docs/routing.md#stream-events). Text and thinking blocks never overlap each other
 * or a tool call; parallel tool calls may. Until the first content delta (`text`, `refusal`, `tool_call_*`) reaches
 * the caller, the call can still retry or fall back (docs/routing.md#streaming): a block's start or end is not
 * content. */
export type StreamEvent =
  | { type: 'start'; id: string; model: string; usage?: Usage; created?: number }
  /** A text block opens: the model's words (its answer, or its refusal). */
  | { type: 'text_start'; id: string }
  | { type: 'text'; text: string; id?: string }
  /** A piece of the model's refusal (ChatResponse.refusal), streamed apart from the text, inside a text block. */
  | { type: 'refusal'; text: string; id?: string }
  | { type: 'text_end'; id: string }
  /** An Anthropic thinking block opens. Thinking is not content: held with the events before it until the first
   * content delta (docs/gateway.md). */
  | { type: 'thinking_start'; id: string }
  /** A piece of the open thinking block's text. */
  | { type: 'thinking'; thinking: string; id?: string }
  /** The thinking block's signature (Anthropic's `signature_delta`), before its end. */
  | { type: 'thinking_signature'; signature: string; id?: string }
  | { type: 'thinking_end'; id: string }
  /** A whole `redacted_thinking` block: it comes in one piece, so it has no start or end. */
  | { type: 'redacted_thinking'; data: string; id?: string }
  /** A whole Anthropic `compaction` block (server-side compaction), its summary gathered from its deltas: it comes
   * before the answer's content, and stands for the conversation before it (ChatResponse.compaction). */
  | { type: 'compaction'; content: string; fields?: Record<string, unknown> }
  /** A tool call's block opens; its `id` (the call's) is the block's. */
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string; id?: string }
  /** The call's arguments are whole. */
  | { type: 'tool_call_end'; index: number; id: string }
  | { type: 'finish'; finish_reason: FinishReason; stop_sequence?: string; usage?: Usage }
  /** A Responses route's own event, relayed verbatim to a Responses caller; the canonical events after it summarise
   * it for everyone else. Not content. */
  | { type: 'responses_event'; event: string; data: Record<string, unknown> };

import type { ByteSpan, Members } from './translate/json-scan.ts';
import type { ProxyChoice } from './proxy.ts';
import type { AuthHeader } from './auth-header.ts';
import type { ProviderType } from '../config/schema.ts';

export interface SendContext {
  provider: string;
  baseUrl: string;
  apiKey: string;
  /** Where the key goes (`auth:`, auth-header.ts); absent: the provider type's default. */
  auth?: AuthHeader;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** The proxy the call goes through (proxy.ts: the provider's `proxy:` or the environment's), when there is one. */
  proxy?: ProxyChoice;
  /** The provider serves OpenAI's Responses API (`responses_api: true`): a request with a `responses_body` goes to
   * `{base_url}/responses` as it is. */
  responsesApi?: boolean;
  /** `responses_websocket: true`: a Responses route's turns go over the WebSocket mode (openai-responses/socket.ts). */
  responsesWebsocket?: boolean;
  /** Sent to a Responses route in place of the request's `responses_body`: a conversation's owner gets the body
   * only it can read (routing/owner-step.ts). */
  responsesBody?: Record<string, unknown>;
  /** Azure OpenAI's `api-version` (`api_version:`): calls go to the deployments API; absent, to its v1 API. */
  apiVersion?: string;
  /** Vertex AI's project and region (`project:`, `region:`), which its paths name. */
  vertex?: { project: string; region: string };
  /** Bedrock's signing region (`region:`), when its base_url does not name it. */
  awsRegion?: string;
  /** Told the HTTP status of an answer that is taken (2xx), for the attempt trail. */
  onStatus?: (status: number) => void;
  /** Told the headers of a successful answer (the most_headroom strategy reads its rate-limit headers). */
  onHeaders?: (headers: Record<string, string | string[] | undefined>) => void;
  /** Told each read of a stream's body that carried something (an event with content, or part of one): the upstream
   * is not silent (`streaming.idle_timeout`, routing/stream-watch.ts). Comments and empty deltas are silence. */
  onRead?: () => void;
  /** Given how to end the call: the stream's own clocks (routing/stream-watch.ts) end it with their timeout, which the
   * adapter throws as it is, as for the caller's abort. */
  endBy?: (end: (reason: unknown) => void) => void;
  /** Sent on a connection of its own rather than a pooled one: the request again after its pooled connection was
   * found stale (the `resend_fresh` action in routing/policy.ts). */
  freshConnection?: true;
  /** `limits.max_answer_bytes` (http.ts: MAX_ANSWER_BYTES when absent). */
  maxAnswerBytes?: number;
  /** `limits.max_event_bytes` (http.ts: MAX_EVENT_BYTES when absent). */
  maxEventBytes?: number;
}

/** One implementation per provider type; all pass the shared conformance suite (test/providers/). Failures are
 * thrown as UpstreamError (src/errors/) already classified. */
export interface ProviderAdapter {
  readonly type: ProviderType;
  send(req: ChatRequest, ctx: SendContext): Promise<ChatResponse>;
  /** Errors before the first event reject the first `next()`; errors after it are thrown from a later `next()`,
   * including errors the upstream reports inside a 200 stream. Its content comes in blocks (StreamEvent), each ended
   * before the finish. */
  stream(req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent>;
  listModels(ctx: SendContext): Promise<string[]>;
}
