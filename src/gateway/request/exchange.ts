// What the request path reads of a request and does to its reply. fastify's Request and Reply have all of it, and so
// do the chat lane's (server/chat-lane.ts), which serves the chat endpoints without fastify's routing and hooks: the
// phases after arrival (auth, body, serve-chat, errors, the record) take these, not fastify's own types.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext } from '../context.ts';
import type { RequestState } from './request-state.ts';

/** Where the gateway's context hangs: fastify's instance (decorated in app.ts), or the lane's own. */
export interface GatewayServer {
  readonly gateway: GatewayContext;
}

export interface GatewayRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: IncomingMessage;
  /** The parsed body (json-body.ts), once read. */
  readonly body: unknown;
  sy: RequestState | null;
  readonly server: GatewayServer;
  /** The body limit the body was read under (an error quotes it). */
  readonly routeOptions?: { readonly bodyLimit?: number };
}

export type HeaderValue = string | number | string[];

export interface GatewayReply {
  readonly raw: ServerResponse;
  readonly statusCode: number;
  /** The reply went out, or was taken over (hijack). */
  readonly sent: boolean;
  readonly server: GatewayServer;
  header(name: string, value: HeaderValue): GatewayReply;
  headers(values: Record<string, HeaderValue>): GatewayReply;
  code(status: number): GatewayReply;
  type(contentType: string): GatewayReply;
  /** An object goes as JSON; nothing, as an empty body. */
  send(payload?: unknown): GatewayReply;
  /** The response is written by the caller from here on (streams: stream-writer.ts). */
  hijack(): GatewayReply;
  getHeaders(): Record<string, HeaderValue | undefined>;
}
