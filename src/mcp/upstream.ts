// One connection per configured MCP server, as an SDK `Client`: a remote server over Streamable HTTP (or SSE)
// through the server's own credentials, connected when first needed and again after the connection ends; a local
// server as a child process over stdio, started with the gateway, restarted with backoff when it exits, stopped on
// drain (docs/mcp.md#configure-the-servers).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { clientSdk } from './client-sdk.ts';
import { resolve } from 'node:path';
import { scrubSecrets, type Logger } from '../log.ts';
import type { McpRemoteConfig, McpStdioConfig } from '../config/schema.ts';
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
  /** The client if connected now, without waiting or connecting (the dashboard's look). */
  connected(): Client | undefined;
  /** Where the connection stands, for the dashboard. */
  status(): UpstreamStatus;
  close(): Promise<void>;
}

/** `idle`: a remote server not connected yet (it is at the next use); `failed`: its last connection failed;
 * `starting`/`restarting`: a stdio child being started (again, after the backoff); `crash_looping`: one that exited
 * CRASH_LOOP_EXITS times in a row without staying up. */
export type UpstreamState = 'connected' | 'idle' | 'failed' | 'starting' | 'restarting' | 'crash_looping' | 'stopped';

export interface UpstreamStatus {
  transport: 'remote' | 'stdio';
  state: UpstreamState;
  /** A stdio child: how often it was started again after an exit or a failed start. */
  restarts?: number;
  /** The last connection's or start's failure (secrets scrubbed), and when. */
  lastError?: { message: string; at: number };
}

/** A stdio child that exits this many times in a row, each time before it has stayed up a minute, is crash-looping. */
export const CRASH_LOOP_EXITS = 2;

function failureOf(err: unknown, at: number): { message: string; at: number } {
  return { message: scrubSecrets(err instanceof Error ? err.message : String(err)).slice(0, 300), at };
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

export class RemoteUpstream implements Upstream {
  readonly name: string;
  readonly timeoutMs: number;
  readonly secrets: ServerSecrets;
  readonly #config: McpRemoteConfig;
  readonly #ctx: UpstreamContext;
  #current: Promise<Client> | undefined;
  #client: Client | undefined;
  #lastError: { message: string; at: number } | undefined;

  constructor(name: string, config: McpRemoteConfig, ctx: UpstreamContext) {
    this.name = name;
    this.timeoutMs = config.timeout;
    this.secrets = ServerSecrets.remote(config.headers, config.url);
    this.#config = config;
    this.#ctx = ctx;
  }

  client(): Promise<Client> {
    this.#current ??= this.#connect().then(
      (client) => {
        this.#client = client;
        this.#lastError = undefined;
        return client;
      },
      (err: unknown) => {
        this.#current = undefined;
        // The dashboard shows it: what the server was sent is taken out, as everywhere it is said.
        this.#lastError = failureOf(cleanMessage(String(err), this.secrets.list()), this.#ctx.now());
        throw err;
      },
    );
    return this.#current;
  }

  connected(): Client | undefined {
    return this.#client;
  }

  status(): UpstreamStatus {
    const state = this.#client !== undefined ? 'connected' : this.#lastError !== undefined ? 'failed' : 'idle';
    return { transport: 'remote', state, ...(this.#lastError !== undefined ? { lastError: this.#lastError } : {}) };
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
    const sdk = await clientSdk();
    const transport =
      this.#config.transport === 'sse'
        ? new sdk.SSEClientTransport(url, { fetch })
        : new sdk.StreamableHTTPClientTransport(url, { fetch });
    const client = sdk.listeningClient((kind) => this.#ctx.onListChanged(this.name, kind));
    // A connection that ends (the server restarted, its session expired) is made again at the next use.
    const closed = (): void => {
      this.#current = undefined;
      if (this.#client === client) this.#client = undefined;
    };
    client.onclose = closed;
    await client.connect(transport, { timeout: this.timeoutMs });
    return client;
  }

  async close(): Promise<void> {
    const c = this.#current;
    this.#current = undefined;
    this.#client = undefined;
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
  #client: Client | undefined;
  #lastError: { message: string; at: number } | undefined;

  /** Its child exited or never started, and it waits to be started again: /readyz names it (gateway/plugins/health.ts),
   * since a command that is not there would be restarted for ever while everything else looks ready. */
  get restarting(): boolean {
    const state = this.#state();
    return state === 'restarting' || state === 'crash_looping';
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

  connected(): Client | undefined {
    return this.#client;
  }

  status(): UpstreamStatus {
    const restarts = Math.max(0, this.starts - 1);
    const lastError = this.#lastError !== undefined ? { lastError: this.#lastError } : {};
    return { transport: 'stdio', state: this.#state(), restarts, ...lastError };
  }

  #state(): UpstreamState {
    if (this.#stopping) return 'stopped';
    if (this.#client !== undefined) return 'connected';
    if (this.#exits >= CRASH_LOOP_EXITS) return 'crash_looping';
    return this.#exits > 0 ? 'restarting' : 'starting';
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
      this.#lastError = failureOf(why, this.#ctx.now());
      this.#ctx.logger.warn({ mcp_server: this.name, err: why }, 'stdio MCP server did not start');
      this.#exited(generation, since);
    });
    return started;
  }

  async #spawn(generation: number): Promise<Client> {
    const [command, ...args] = this.#config.command;
    this.starts += 1;
    const sdk = await clientSdk();
    const transport = new sdk.StdioClientTransport({
      command: command!,
      args,
      env: { ...sdk.getDefaultEnvironment(), ...this.#config.env },
      cwd: resolve(this.#ctx.baseDir, this.#config.cwd ?? '.'),
      // What the child writes on stderr is its own (it may hold secrets): not copied into the gateway's log.
      stderr: 'ignore',
    });
    this.#transport = transport;
    const client = sdk.listeningClient((kind) => this.#ctx.onListChanged(this.name, kind));
    const since = this.#ctx.now();
    const exited = (): void => {
      if (this.#client === client) {
        this.#client = undefined;
        this.#lastError = { message: 'the process exited', at: this.#ctx.now() };
      }
      this.#exited(generation, since);
    };
    client.onclose = exited;
    await client.connect(transport, { timeout: this.timeoutMs });
    this.#client = client;
    return client;
  }

  /** The child exited (or never started): start it again after the backoff, unless the gateway is draining. */
  #exited(generation: number, since: number): void {
    if (this.#stopping || generation !== this.#generation) return;
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
    this.#client = undefined;
    await c?.then((client) => client.close()).catch(() => {});
  }
}
