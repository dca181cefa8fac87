// What classification says of one upstream outcome: its kind and the facts beyond it. Its own module, so that
// classify.ts and classify-transport.ts (HTTP answers and transport errors) both produce it without importing each other.
import type { ErrorKind } from './kinds.ts';
import type { PromptOverflow } from './prompt-overflow.ts';

export interface Classification {
  kind: ErrorKind;
  status?: number;
  /** Provider error code or type (`insufficient_quota`, `overloaded_error`, `ECONNRESET`, …). */
  code?: string;
  /** Upstream's message, truncated and scrubbed. */
  providerMessage: string;
  retryAfterMs?: number;
  resetAt?: number;
  shouldRetry?: boolean;
  /** A `not_found` that is this key being refused this one model (a 403 "may not use model …"): the route fails,
   * but the key is fine and its health is left alone. */
  modelAccessDenied?: boolean;
  /** Not the key at all (BlockedBy): the key's health is left alone and the explanation says what refused. */
  blocked?: BlockedBy;
  /** A `bad_request` only because max_tokens is above what the model may write, and the provider said the largest it
   * would accept (output-limit.ts): that number. The router sends the request again with max_tokens lowered to it. */
  outputLimit?: number;
  /** A `context_length` whose message gives the prompt's tokens and the model's maximum (prompt-overflow.ts). */
  promptOverflow?: PromptOverflow;
  /** A `bad_request` refusing a thinking block's signature, one another platform made: sent again without the
   * history's thinking blocks, it goes through. */
  thinkingSignature?: boolean;
  /** A `connection` failure on a pooled connection that had carried an earlier request, dropped (reset or closed)
   * before any byte of the answer: the provider closed it while idle as the request went out. Sent again on a fresh
   * connection, it goes through. */
  staleConnection?: boolean;
}

/** What refused when it was not the provider judging the key: a firewall page, a region refusal, or the proxy. */
export type BlockedBy = 'firewall' | 'region' | 'proxy';
