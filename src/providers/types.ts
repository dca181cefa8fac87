// The canonical chat shape every adapter translates to and from. It follows the OpenAI chat shape closely (it is
// the lingua franca of OpenAI-compatible APIs) but is our own typed subset, so the Anthropic adapter and the
// gateway's /v1/messages endpoint translate through it and a chain can cross provider types.

import type { Classification } from '../errors/classify.ts';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as OpenAI sends it. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  /** Text content. Multi-part text content is joined; null for an assistant message that only calls tools. */
  content: string | null;
  name?: string;
  /** Assistant tool calls. */
  tool_calls?: ToolCall[];
  /** For role `tool`: which call this answers. */
  tool_call_id?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: ToolChoice;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatResponse {
  id: string;
  model: string;
  content: string;
  tool_calls: ToolCall[];
  finish_reason: FinishReason;
  usage?: Usage;
}

/** Stream events in the canonical shape. `text` and `tool_call_*` are "content deltas" (SPEC §4 streaming):
 * until the first of them reaches the caller, the call can still retry or fall back. */
export type StreamEvent =
  | { type: 'start'; id: string; model: string }
  | { type: 'text'; text: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'finish'; finish_reason: FinishReason; usage?: Usage };

export interface SendContext {
  provider: string;
  baseUrl: string;
  apiKey: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One implementation per provider type; all pass the shared conformance suite (test/providers/). Failures are
 * thrown as UpstreamError (src/errors/) already classified. */
export interface ProviderAdapter {
  readonly type: 'openai' | 'anthropic';
  send(req: ChatRequest, ctx: SendContext): Promise<ChatResponse>;
  /** Errors before the first event reject the first `next()`; errors after it are thrown from a later `next()`,
   * including errors the upstream reports inside a 200 stream. */
  stream(req: ChatRequest, ctx: SendContext): AsyncIterable<StreamEvent>;
  listModels(ctx: SendContext): Promise<string[]>;
  /** Optional per-provider view of which classified failures are worth retrying on the same key. When absent,
   * `isTransient()` in src/providers/registry.ts applies the default (connection, timeout, server, overloaded). */
  isTransient?(c: Classification): boolean;
}
