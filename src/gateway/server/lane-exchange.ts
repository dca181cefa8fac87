// The chat lane's request and reply (chat-lane.ts): what the request path uses of fastify's (request/exchange.ts),
// over node's own request and response, and nothing else. An answer goes out as fastify sends one: its headers in
// the order set, JSON with `; charset=utf-8`, a Content-Length, the head and body in one write.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayReply, GatewayRequest, GatewayServer, HeaderValue } from '../request/exchange.ts';
import type { RequestState } from '../request/request-state.ts';

export class LaneRequest implements GatewayRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: IncomingMessage;
  readonly server: GatewayServer;
  readonly routeOptions: { readonly bodyLimit: number };
  body: unknown = undefined;
  sy: RequestState | null = null;

  constructor(raw: IncomingMessage, server: GatewayServer, options: { readonly bodyLimit: number }) {
    this.raw = raw;
    this.url = raw.url ?? '/';
    this.method = raw.method ?? 'POST';
    this.headers = raw.headers;
    this.server = server;
    this.routeOptions = options;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

export class LaneReply implements GatewayReply {
  readonly raw: ServerResponse;
  readonly server: GatewayServer;
  #headers: Record<string, HeaderValue> = {};
  #sent = false;

  constructor(raw: ServerResponse, server: GatewayServer) {
    this.raw = raw;
    this.server = server;
  }

  get statusCode(): number {
    return this.raw.statusCode;
  }

  get sent(): boolean {
    return this.#sent || this.raw.writableEnded;
  }

  header(name: string, value: HeaderValue): this {
    this.#headers[name.toLowerCase()] = value;
    return this;
  }

  headers(values: Record<string, HeaderValue>): this {
    for (const name of Object.keys(values)) this.header(name, values[name]!);
    return this;
  }

  code(status: number): this {
    this.raw.statusCode = status;
    return this;
  }

  type(contentType: string): this {
    this.#headers['content-type'] = contentType;
    return this;
  }

  hijack(): this {
    this.#sent = true;
    return this;
  }

  getHeaders(): Record<string, HeaderValue | undefined> {
    return { ...this.raw.getHeaders(), ...this.#headers };
  }

  /** Nothing: an empty body. A string or Buffer as it is; anything else as JSON. */
  send(payload?: unknown): this {
    if (this.sent) return this;
    this.#sent = true;
    const res = this.raw;
    const headers = this.#headers;
    if (payload === undefined) {
      const status = res.statusCode;
      if (status >= 200 && status !== 204 && status !== 304) headers['content-length'] = '0';
      res.writeHead(status, headers);
      res.end();
      return this;
    }
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : this.#json(payload);
    headers['content-type'] ??= typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream';
    headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(res.statusCode, headers);
    res.end(body);
    return this;
  }

  /** As fastify serialises a reply with no schema: JSON.stringify, its type JSON with a charset. */
  #json(payload: unknown): string {
    const type = this.#headers['content-type'];
    if (type === undefined) this.#headers['content-type'] = JSON_TYPE;
    else if (typeof type === 'string' && type.includes('json') && !/;\s*charset=/i.test(type))
      this.#headers['content-type'] = `${type}; charset=utf-8`;
    return JSON.stringify(payload);
  }
}
