// The WebSocket connections of Responses routes with `responses_websocket: true` (socket.ts), kept per
// upstream and key between turns so a conversation goes on on the connection that holds its last response, as Codex
// does: one turn at a time on a connection, none started on one older than the age cap (OpenAI closes a connection at
// 60 minutes), idle ones closed after a while, and a socket that is idle never keeps the process alive.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** A turn is not started on a connection older than this: OpenAI closes them at 60 minutes, and a turn must end
 * before that. */
export const SOCKET_MAX_AGE_MS = 55 * 60 * 1000;
/** An idle connection is closed after this long without a turn. */
export const SOCKET_IDLE_MS = 5 * 60 * 1000;
/** Idle connections kept per upstream and key; past it the one idle longest is closed. */
export const SOCKET_MAX_IDLE = 16;

/** One open connection and what it holds of its conversation. */
export interface PooledSocket {
  ws: WebSocket;
  /** The TCP socket under it: unref'd while idle. */
  raw: Socket | undefined;
  openedAt: number;
  /** A turn is running on it. */
  busy: boolean;
  /** The last response completed on it, and the conversation the caller holds after it (its input items then the
   * response's output items, each as JSON), with the request's other fields: what a request continuing it sends. */
  last?: { id: string; items: string[]; rest: string };
  idleTimer?: NodeJS.Timeout;
}

export interface SocketPoolOptions {
  now?: () => number;
  maxAgeMs?: number;
  idleMs?: number;
}

export class SocketPool {
  readonly #sockets = new Map<string, Set<PooledSocket>>();
  readonly now: () => number;
  readonly maxAgeMs: number;
  readonly #idleMs: number;

  constructor(options: SocketPoolOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxAgeMs = options.maxAgeMs ?? SOCKET_MAX_AGE_MS;
    this.#idleMs = options.idleMs ?? SOCKET_IDLE_MS;
  }

  /** An idle, young-enough connection of `place` that `fits`, taken (busy) for a turn; connections past the age cap
   * are closed on the way. */
  take(place: string, fits: (s: PooledSocket) => boolean): PooledSocket | undefined {
    const set = this.#sockets.get(place);
    if (set === undefined) return undefined;
    for (const s of [...set]) {
      if (s.busy) continue;
      if (this.now() - s.openedAt >= this.maxAgeMs) {
        this.drop(place, s);
        continue;
      }
      if (!fits(s)) continue;
      this.#busy(s);
      return s;
    }
    return undefined;
  }

  /** A connection just opened, busy with its first turn. */
  add(place: string, s: PooledSocket): void {
    let set = this.#sockets.get(place);
    if (set === undefined) this.#sockets.set(place, (set = new Set()));
    set.add(s);
    this.#busy(s);
    s.ws.once('close', () => this.forget(place, s));
  }

  /** The turn ended well: the connection waits for the next one (unless it is too old, or too many wait). */
  release(place: string, s: PooledSocket): void {
    s.busy = false;
    if (this.now() - s.openedAt >= this.maxAgeMs) return this.drop(place, s);
    s.raw?.unref();
    s.idleTimer = setTimeout(() => this.drop(place, s), this.#idleMs);
    s.idleTimer.unref();
    const idle = [...(this.#sockets.get(place) ?? [])].filter((x) => !x.busy);
    if (idle.length > SOCKET_MAX_IDLE) this.drop(place, idle[0]!);
  }

  /** Closes the connection and forgets it (a failed turn leaves it in a state nobody knows). */
  drop(place: string, s: PooledSocket): void {
    this.forget(place, s);
    s.ws.terminate();
  }

  forget(place: string, s: PooledSocket): void {
    clearTimeout(s.idleTimer);
    const set = this.#sockets.get(place);
    set?.delete(s);
    if (set?.size === 0) this.#sockets.delete(place);
  }

  /** Connections open, busy or idle. */
  size(): number {
    let n = 0;
    for (const set of this.#sockets.values()) n += set.size;
    return n;
  }

  /** Closes every connection (tests, shutdown). */
  closeAll(): void {
    for (const [place, set] of this.#sockets) for (const s of [...set]) this.drop(place, s);
  }

  #busy(s: PooledSocket): void {
    s.busy = true;
    clearTimeout(s.idleTimer);
    s.raw?.ref();
  }
}

/** The process's pool, as http.ts keeps one undici pool per origin. */
export const responseSockets = new SocketPool();
