// The simulator's MCP server over HTTP (docs/simulator.md#mcp): Streamable HTTP with sessions (so list-changed
// notifications reach a connected client), or the older SSE transport; bearer tokens checked, with faults a test
// turns on: a token that expires (401), a 429 with Retry-After, a tool added while clients are connected, a server
// that quotes the credentials it was sent (`echoCredentials`); and, with `login`, the MCP authorization flow demanded
// (oauth.ts).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { holdIdleConnections } from '../../idle-hold.ts';
import { simMcpServer } from './tools.ts';
import { McpLoginServer, type McpLoginSimOptions } from './oauth.ts';

export interface McpSimOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Bearer tokens accepted; undefined: no token needed. */
  tokens?: readonly string[];
  /** `streamable_http` (default, at /mcp) or `sse` (GET /sse, POST /messages). */
  transport?: 'streamable_http' | 'sse';
  /** An OAuth2 token endpoint at POST /oauth2/token (client credentials): each token it issues is accepted until
   * `expire`d. Needs `tokens` (the tokens accepted besides, possibly none). */
  oauth2?: { clientId: string; clientSecret: string };
  /** Demand the MCP authorization flow (oauth.ts): a 401 names the protected resource metadata, and the tokens
   * its authorization server issues are accepted (besides `tokens`). */
  login?: McpLoginSimOptions;
  /** The echo fault: the server quotes back the credentials it was sent (the request's headers and URL) in a tool
   * error (tool `whoami`), a JSON-RPC error (prompt `whoami`), an HTTP 500 (any call of tool `whoami_500`) and its
   * 401 (the token it refused, and the URL). */
  echoCredentials?: boolean;
}

/** One HTTP request the simulator answered, for a test to read (never a token in full: its first 8 characters). */
export interface McpSimCall {
  method: string;
  /** The JSON-RPC method(s) of a POST's body. */
  rpc: string[];
  token?: string;
  status: number;
}

export interface McpSim extends AsyncDisposable {
  readonly url: string;
  /** The OAuth2 token endpoint's URL (with `oauth2`). */
  readonly tokenUrl: string;
  /** Tokens the OAuth2 endpoint issued, in order. */
  issuedTokens(): readonly string[];
  /** From now on this token is answered 401 `invalid_token` (it expired). */
  expire(token: string): void;
  accept(token: string): void;
  /** The next `times` requests are answered 429 with `Retry-After: seconds`. */
  rateLimitNext(seconds: number, times?: number): void;
  /** A tool added to every session's server: connected clients get `notifications/tools/list_changed`. */
  addTool(name: string): void;
  calls(): readonly McpSimCall[];
  /** The authorization server, with `login`. */
  readonly login: McpLoginServer | undefined;
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  transport: Transport;
}

/** One MCP simulator's state, which each request reads and the test's handle changes. */
interface McpState {
  options: McpSimOptions;
  /** Bearer tokens accepted; undefined: none needed. */
  tokens: Set<string> | undefined;
  login: McpLoginServer | undefined;
  sessions: Map<string, Session>;
  /** Tools added while running, which every new session's server has too. */
  added: string[];
  calls: McpSimCall[];
  /** Tokens the OAuth2 endpoint issued, in order. */
  issued: string[];
  limited: { times: number; seconds: number };
}

export async function startMcpSim(options: McpSimOptions = {}): Promise<McpSim> {
  const state: McpState = {
    options,
    tokens: options.tokens === undefined && options.login === undefined ? undefined : new Set(options.tokens ?? []),
    login: undefined,
    sessions: new Map(),
    added: [],
    calls: [],
    issued: [],
    limited: { times: 0, seconds: 0 },
  };
  const http = createServer((req, res) => {
    serveRequest(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  holdIdleConnections(http);
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const base = `http://${options.host ?? '127.0.0.1'}:${port}`;
  const url = options.transport === 'sse' ? `${base}/sse` : `${base}/mcp`;
  if (options.login !== undefined)
    state.login = new McpLoginServer({
      base,
      resource: url,
      accept: (t) => void state.tokens?.add(t),
      options: options.login,
    });
  const close = async (): Promise<void> => {
    for (const s of state.sessions.values()) await s.server.close().catch(() => {});
    state.sessions.clear();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return handleOf(state, url, base, close);
}

/** What a test holds of a running MCP simulator. */
function handleOf(state: McpState, url: string, base: string, close: () => Promise<void>): McpSim {
  return {
    url,
    login: state.login,
    tokenUrl: `${base}/oauth2/token`,
    issuedTokens: () => state.issued,
    expire: (token) => void state.tokens?.delete(token),
    accept: (token) => void state.tokens?.add(token),
    rateLimitNext: (seconds, times = 1) => (state.limited = { times, seconds }),
    addTool: (name) => {
      state.added.push(name);
      for (const s of state.sessions.values()) addEcho(s.server, name);
    },
    calls: () => state.calls,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function serveRequest(state: McpState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = req.method === 'POST' ? await readText(req) : '';
  if (req.url === '/oauth2/token') return tokenEndpoint(state, res, new URLSearchParams(text));
  if (state.login?.serve(req, res, text) === true) return;
  const body = parseJson(text);
  const call: McpSimCall = { method: req.method ?? '', rpc: rpcMethods(body), status: 200 };
  state.calls.push(call);
  if (refuse(state, req, res, call)) return;
  if (state.options.echoCredentials === true && callsTool(body, 'whoami_500')) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`upstream failed: ${quoteRequest(req)}`);
    return;
  }
  res.on('finish', () => (call.status = res.statusCode));
  if (state.options.transport === 'sse') return serveSse(state, req, res, body);
  return serveStreamable(state, req, res, body);
}

function newServer(state: McpState): McpServer {
  const server = simMcpServer();
  for (const name of state.added) addEcho(server, name);
  if (state.options.echoCredentials === true) addWhoami(server);
  return server;
}

/** Answers a request the server refuses (a token not accepted, a scripted 429) and says so. */
function refuse(state: McpState, req: IncomingMessage, res: ServerResponse, call: McpSimCall): boolean {
  const token = bearer(req);
  if (token !== undefined) call.token = token.slice(0, 8);
  const { tokens } = state;
  if (tokens !== undefined && (token === undefined || !tokens.has(token))) {
    call.status = 401;
    const challenge = state.login?.challenge ?? 'Bearer';
    res.writeHead(401, {
      'content-type': 'application/json',
      'www-authenticate': `${challenge}${challenge === 'Bearer' ? ' ' : ', '}error="invalid_token"`,
    });
    const description =
      state.options.echoCredentials === true
        ? `the access token ${token ?? '(none)'} is not known at ${req.url ?? '?'}`
        : 'the access token expired or is not known';
    res.end(JSON.stringify({ error: 'invalid_token', error_description: description }));
    return true;
  }
  if (state.limited.times > 0) {
    state.limited = { ...state.limited, times: state.limited.times - 1 };
    call.status = 429;
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(state.limited.seconds) });
    res.end(JSON.stringify({ error: 'rate_limited' }));
    return true;
  }
  return false;
}

function tokenEndpoint(state: McpState, res: ServerResponse, form: URLSearchParams): void {
  const o = state.options.oauth2;
  const ok =
    o !== undefined &&
    form.get('grant_type') === 'client_credentials' &&
    form.get('client_id') === o.clientId &&
    form.get('client_secret') === o.clientSecret;
  if (!ok) {
    res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
    return;
  }
  const token = `mcp-at-${state.issued.length + 1}-${randomUUID().slice(0, 8)}`;
  state.issued.push(token);
  state.tokens?.add(token);
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
}

async function serveStreamable(
  state: McpState,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const { sessions } = state;
  const id = req.headers['mcp-session-id'];
  const known = typeof id === 'string' ? sessions.get(id) : undefined;
  if (known !== undefined) return (known.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: randomUUID,
    onsessioninitialized: (sid) => void sessions.set(sid, { server, transport }),
  });
  const closed = (): void => {
    if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
  };
  transport.onclose = closed;
  const server = newServer(state);
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

async function serveSse(state: McpState, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim');
  if (req.method === 'GET' && url.pathname === '/sse') {
    const transport = new SSEServerTransport('/messages', res);
    const server = newServer(state);
    state.sessions.set(transport.sessionId, { server, transport });
    const closed = (): boolean => state.sessions.delete(transport.sessionId);
    transport.onclose = closed;
    await server.connect(transport);
    return;
  }
  const known = state.sessions.get(url.searchParams.get('sessionId') ?? '');
  if (req.method !== 'POST' || known === undefined) {
    res.writeHead(404).end();
    return;
  }
  await (known.transport as SSEServerTransport).handlePostMessage(req, res, body);
}

/** An added tool answers like `echo`. */
function addEcho(server: McpServer, name: string): void {
  server.registerTool(name, { description: `Added while running: answers "${name}".`, inputSchema: {} }, () => ({
    content: [{ type: 'text', text: name }],
  }));
}

/** The echo fault's tool and prompt: each quotes the request it came on (its headers and URL). */
function addWhoami(server: McpServer): void {
  server.registerTool('whoami', { description: 'Quotes the request it came on, as a tool error.' }, (extra) => ({
    isError: true,
    content: [{ type: 'text', text: `you sent ${quoteExtra(extra.requestInfo)}` }],
  }));
  server.registerPrompt('whoami', { description: 'Fails, quoting the request it came on.' }, (extra) => {
    throw new Error(`refused ${quoteExtra(extra.requestInfo)}`);
  });
}

function quoteExtra(info: { headers: Record<string, unknown>; url?: URL } | undefined): string {
  return `headers ${JSON.stringify(info?.headers ?? {})} at ${info?.url?.href ?? '?'}`;
}

function quoteRequest(req: IncomingMessage): string {
  return `headers ${JSON.stringify(req.headers)} at ${req.url ?? '?'}`;
}

function callsTool(body: unknown, name: string): boolean {
  const m = body as { method?: unknown; params?: { name?: unknown } } | undefined;
  return m?.method === 'tools/call' && m.params?.name === name;
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function rpcMethods(body: unknown): string[] {
  const list = Array.isArray(body) ? (body as unknown[]) : [body];
  return list.flatMap((m) =>
    typeof m === 'object' && m !== null && typeof (m as { method?: unknown }).method === 'string'
      ? [(m as { method: string }).method]
      : [],
  );
}
