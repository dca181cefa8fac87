// A circuit breaker per provider (SPEC §4): after `threshold` consecutive connection/server failures the provider is
// skipped (its routes fail at once with `breaker_open`, so the chain moves on without waiting for timeouts); after
// `pauseMs` one probe request is let through (half-open); a success closes it, a failure opens it again.
// In memory, per process; state changes are reported through `onChange` so logs and metrics can follow.
import type { ErrorKind } from '../errors/kinds.ts';
import { BREAKER_KINDS } from './policy.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive connection/timeout/server failures that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe is let through. */
  pauseMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, pauseMs: 30_000 };

interface Circuit {
  state: BreakerState;
  failures: number;
  openedAt: number;
  /** In half-open, whether the single probe is already out. */
  probing: boolean;
}

export type BreakerListener = (provider: string, state: BreakerState) => void;

export class Breakers {
  readonly #options: BreakerOptions;
  readonly #now: () => number;
  readonly #circuits = new Map<string, Circuit>();
  readonly #listeners = new Set<BreakerListener>();

  constructor(options: Partial<BreakerOptions> = {}, now: () => number = Date.now) {
    this.#options = { ...DEFAULT_BREAKER, ...options };
    this.#now = now;
  }

  onChange(listener: BreakerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  state(provider: string): BreakerState {
    return this.#circuits.get(provider)?.state ?? 'closed';
  }

  /** May a request go to this provider now? In half-open exactly one caller gets `true` until it reports back. */
  allow(provider: string): boolean {
    const c = this.#circuits.get(provider);
    if (!c || c.state === 'closed') return true;
    if (c.state === 'open') {
      if (this.#now() - c.openedAt < this.#options.pauseMs) return false;
      this.#set(provider, c, 'half_open');
    }
    if (c.probing) return false;
    c.probing = true;
    return true;
  }

  /** When the breaker will let a probe through (for explanations), if it is open. */
  reopensAt(provider: string): number | undefined {
    const c = this.#circuits.get(provider);
    return c?.state === 'open' ? c.openedAt + this.#options.pauseMs : undefined;
  }

  recordSuccess(provider: string): void {
    const c = this.#circuits.get(provider);
    if (!c) return;
    c.failures = 0;
    c.probing = false;
    if (c.state !== 'closed') this.#set(provider, c, 'closed');
  }

  /** Any answered failure (4xx) proves the provider reachable; only BREAKER_KINDS count towards opening. */
  recordFailure(provider: string, kind: ErrorKind): void {
    if (!BREAKER_KINDS.has(kind)) {
      this.recordSuccess(provider);
      return;
    }
    const c = this.#circuit(provider);
    c.failures += 1;
    c.probing = false;
    if (c.state === 'half_open' || (c.state === 'closed' && c.failures >= this.#options.threshold)) {
      c.openedAt = this.#now();
      this.#set(provider, c, 'open');
    }
  }

  /** A probe that ended without an outcome (aborted by the caller) must not wedge the breaker half-open. */
  release(provider: string): void {
    const c = this.#circuits.get(provider);
    if (c) c.probing = false;
  }

  #circuit(provider: string): Circuit {
    let c = this.#circuits.get(provider);
    if (!c) {
      c = { state: 'closed', failures: 0, openedAt: 0, probing: false };
      this.#circuits.set(provider, c);
    }
    return c;
  }

  #set(provider: string, c: Circuit, state: BreakerState): void {
    c.state = state;
    for (const l of this.#listeners) l(provider, state);
  }
}
