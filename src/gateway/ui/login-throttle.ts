// Failed dashboard logins counted per client address, so the form cannot be used to guess the admin key: past a few
// failures in a window, that address is refused until the window ends. Kept in memory (a per-process bound is enough
// to make guessing hopeless) and capped in size, so a flood of addresses cannot grow it.

/** Failures an address may have in one window before it is refused. */
export const LOGIN_FAILURES_ALLOWED = 10;
/** How long a window of failures lasts, and so the longest an address is refused. */
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Addresses remembered at once; the oldest window is forgotten first. */
const MAX_ADDRESSES = 10_000;

interface Window {
  start: number;
  failures: number;
}

/** Whether an address may try now: `{ ok: true }`, or how long until it may. */
export type LoginGate = { ok: true } | { ok: false; retryAfterMs: number };

export class LoginThrottle {
  readonly #windows = new Map<string, Window>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  gate(address: string): LoginGate {
    const w = this.#current(address);
    if (w === undefined || w.failures < LOGIN_FAILURES_ALLOWED) return { ok: true };
    return { ok: false, retryAfterMs: w.start + LOGIN_WINDOW_MS - this.#now() };
  }

  failed(address: string): void {
    const w = this.#current(address);
    if (w !== undefined) {
      w.failures++;
      return;
    }
    if (this.#windows.size >= MAX_ADDRESSES) this.#windows.delete(this.#windows.keys().next().value!);
    this.#windows.set(address, { start: this.#now(), failures: 1 });
  }

  #current(address: string): Window | undefined {
    const w = this.#windows.get(address);
    if (w === undefined) return undefined;
    if (this.#now() - w.start < LOGIN_WINDOW_MS) return w;
    this.#windows.delete(address);
    return undefined;
  }
}
