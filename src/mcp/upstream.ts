// One connection per configured MCP server, as an SDK `Client`: a remote server over Streamable HTTP (or SSE)
// through the server's own credentials, connected when first needed and again after the connection ends; a local
// server as a child process over stdio, started with the gateway, restarted with backoff when it exits, stopped on
// drain (docs/mcp.md#servers).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { resolve } from 'node:path';
import type { Logger } from '../log.ts';
import type { McpRemoteConfig, McpStdioConfig } from '../config/schema.ts';
import { VERSION } from '../version.ts';
import { cleanMessage } from '../errors/error-body.ts';
import { authorizedFetch } from './authorized-fetch.ts';
import { noteAnsweredBy } from './call-credential.ts';
import type { McpCredentials } from './credentials.ts';
import { ServerSecrets } from './sent-secrets.ts';

export type ListKind = 'tools' | 'prompts' | 'resources';

export interface Upstream {
  readonly name: string;
  readonly timeoutMs: number;
  /** The credentials it was sent, to take out of what it says back. */
  readonly secrets: ServerSecrets;
  /** The connected client (connecting, or waiting for a restart, first). */
  client(): Promise<Client>;
  close(): Promise<void>;
}

export interface UpstreamContext {
  credentials: McpCredentials;
  logger: Logger;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The config file's directory: a stdio server's relative `cwd` is taken from there. */
  baseDir: string;
  onListChanged: (server: string, kind: ListKind) => void;
}

/** A client that says list changes to the hub. */
function newClient(name: string, ctx: UpstreamContext): Client {
  const client = new Client({ name: 'switchyard-gateway', version: VERSION }, { capabilities: {} });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => ctx.onListChanged(name, 'tools'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => ctx.onListChanged(name, 'prompts'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => ctx.onListChanged(name, 'resources'));
  return client;
}

export class RemoteUpstream implements Upstream {
  readonly name: string;
  readonly timeoutMs: number;
  readonly secrets: ServerSecrets;
  readonly #config: McpRemoteConfig;
  readonly #ctx: UpstreamContext;
  #current: Promise<Client> | undefined;

  constructor(name: string, config: McpRemoteConfig, ctx: UpstreamContext) {
    this.name = name;
    this.timeoutMs = config.timeout;
    this.secrets = ServerSecrets.remote(config.headers, config.url);
    this.#config = config;
    this.#ctx = ctx;
  }

  client(): Promise<Client> {
    this.#current ??= this.#connect().catch((err: unknown) => {
      this.#current = undefined;
      throw err;
    });
    return this.#current;
  }

  async #connect(): Promise<Client> {
    const fetch = authorizedFetch({
      server: this.name,
      credentials: this.#ctx.credentials,
      headers: this.#config.headers,
      now: this.#ctx.now,
      onAnswered: noteAnsweredBy,
      onSent: (token) => this.secrets.sent(token),
    });
    const url = new URL(this.#config.url);
    const transport =
      this.#config.transport === 'sse'
        ? new SSEClientTransport(url, { fetch })
        : new StreamableHTTPClientTransport(url, { fetch });
    const client = newClient(this.name, this.#ctx);
    // A connection that ends (the server restarted, its session expired) is made again at the next use.
    client.onclose = () => {
      this.#current = undefined;
    };
    await client.connect(transport, { timeout: this.timeoutMs });
    return client;
  }

  async close(): Promise<void> {
    const c = this.#current;
    this.#current = undefined;
    await c?.then((client) => client.close()).catch(() => {});
  }
}

/** Waits before each restart of a stdio server by the number of exits in a row (ms); the last repeats. */
export const STDIO_RESTART_BACKOFF = [250, 1_000, 2_000, 5_000, 10_000, 30_000] as const;
/** A server that ran this long before it exited starts the backoff again. */
const STABLE_MS = 60_000;

export class StdioUpstream implements Upstream {
  readonly name: string;
  readonly timeoutMs: number;
  readonly secrets: ServerSecrets;
  readonly #config: McpStdioConfig;
  readonly #ctx: UpstreamContext;
  #current: Promise<Client> | undefined;
  #exits = 0;
  #stopping = false;
  /** Each start's number: an exit is acted on once, for the start in force (a failed start may also say close). */
  #generation = 0;
  /** Times started, for `doctor` and the tests. */
  starts = 0;
  #transport: StdioClientTransport | undefined;
  /** Whether the child of the start in force answered its initialization (and has not exited since). */
  #up = false;

  /** Its child exited or never started, and it waits to be started again: /readyz names it (gateway/plugins/health.ts),
   * since a command that is not there would be restarted for ever while everything else looks ready. */
  get restarting(): boolean {
    return !this.#stopping && this.#exits > 0 && !this.#up;
  }

  /** The running child's process id (undefined between a start and the next). */
  get pid(): number | undefined {
    return this.#transport?.pid ?? undefined;
  }

  constructor(name: string, config: McpStdioConfig, ctx: UpstreamContext) {
    this.name = name;
    this.timeoutMs = config.timeout;
    this.secrets = ServerSecrets.stdio(config.env);
    this.#config = config;
    this.#ctx = ctx;
  }

  client(): Promise<Client> {
    if (this.#stopping) return Promise.reject(new Error(`MCP server ${this.name} is stopping`));
    this.#current ??= this.#start(0);
    return this.#current;
  }

  #start(waitMs: number): Promise<Client> {
    const generation = ++this.#generation;
    const since = this.#ctx.now();
    const started = (async () => {
      if (waitMs > 0) await this.#ctx.sleep(waitMs);
      if (this.#stopping) throw new Error(`MCP server ${this.name} is stopping`);
      return this.#spawn(generation);
    })();
    // A start that fails is tried again after the next wait; the callers waiting on it get its error.
    started.catch((err: unknown) => {
      if (this.#stopping) return;
      const why = cleanMessage(String(err), this.secrets.list());
      this.#ctx.logger.warn({ mcp_server: this.name, err: why }, 'stdio MCP server did not start');
      this.#exited(generation, since);
    });
    return started;
  }

  async #spawn(generation: number): Promise<Client> {
    const [command, ...args] = this.#config.command;
    this.starts += 1;
    const transport = new StdioClientTransport({
      command: command!,
      args,
      env: { ...getDefaultEnvironment(), ...this.#config.env },
      cwd: resolve(this.#ctx.baseDir, this.#config.cwd ?? '.'),
      // What the child writes on stderr is its own (it may hold secrets): not copied into the gateway's log.
      stderr: 'ignore',
    });
    this.#transport = transport;
    const client = newClient(this.name, this.#ctx);
    const since = this.#ctx.now();
    client.onclose = () => this.#exited(generation, since);
    await client.connect(transport, { timeout: this.timeoutMs });
    if (generation === this.#generation) this.#up = true;
    return client;
  }

  /** The child exited (or never started): start it again after the backoff, unless the gateway is draining. */
  #exited(generation: number, since: number): void {
    if (this.#stopping || generation !== this.#generation) return;
    this.#up = false;
    if (this.#ctx.now() - since >= STABLE_MS) this.#exits = 0;
    const wait = STDIO_RESTART_BACKOFF[Math.min(this.#exits, STDIO_RESTART_BACKOFF.length - 1)]!;
    this.#exits += 1;
    this.#ctx.logger.warn({ mcp_server: this.name, restart_in_ms: wait }, 'stdio MCP server exited; restarting it');
    this.#current = this.#start(wait);
    this.#current.catch(() => {});
  }

  async close(): Promise<void> {
    this.#stopping = true;
    const c = this.#current;
    this.#current = undefined;
    await c?.then((client) => client.close()).catch(() => {});
  }
}
