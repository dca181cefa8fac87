// A circuit breaker per provider, so the chain moves on without waiting for timeouts from a provider that is down
// (docs/routing.md#the-route-ladder-one-route). Shared through the store, so one replica's finding holds for all.
import type { ErrorKind } from '../errors/kinds.ts';
import type { BreakerStore } from '../state/types.ts';
import { breakerHears, type BreakerHearing } from './policy.ts';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker: those BREAKER_RULE (policy.ts) counts. */
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
  /** When this process last changed the state or adopted a shared one: shared records up to then are known. */
  changedAt: number;
}

export type BreakerListener = (provider: string, state: BreakerState) => void;

export class Breakers {
  readonly #options: BreakerOptions;
  readonly #now: () => number;
  readonly #circuits = new Map<string, Circuit>();
  readonly #listeners = new Set<BreakerListener>();
  readonly #shared: BreakerStore | undefined;

  constructor(options: Partial<BreakerOptions> = {}, now: () => number = Date.now, shared?: BreakerStore) {
    this.#options = { ...DEFAULT_BREAKER, ...options };
    this.#now = now;
    this.#shared = shared;
  }

  onChange(listener: BreakerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Once the pause is over the breaker is half-open, whether or not a request has asked yet: a dashboard or a metric
   * read after the trial time must not still say "open until" a time gone by. */
  state(provider: string): BreakerState {
    this.#adopt(provider);
    const c = this.#circuits.get(provider);
    if (c === undefined) return 'closed';
    if (c.state === 'open' && this.#now() - c.openedAt >= this.#options.pauseMs) this.#set(provider, c, 'half_open');
    return c.state;
  }

  /** In half-open, whether its single trial request is already out (else the next request is the trial). */
  probing(provider: string): boolean {
    return this.state(provider) === 'half_open' && this.#circuits.get(provider)?.probing === true;
  }

  /** May a request go to this provider now? In half-open exactly one caller gets `true` until it reports back. */
  allow(provider: string): boolean {
    this.#adopt(provider);
    const c = this.#circuits.get(provider);
    if (!c || c.state === 'closed') return true;
    if (this.state(provider) === 'open') return false;
    if (c.probing) return false;
    c.probing = true;
    return true;
  }

  /** When the breaker will let a probe through (for explanations), if it is open. */
  reopensAt(provider: string): number | undefined {
    if (this.state(provider) !== 'open') return undefined;
    const c = this.#circuits.get(provider);
    return c === undefined ? undefined : c.openedAt + this.#options.pauseMs;
  }

  recordSuccess(provider: string): void {
    const c = this.#circuits.get(provider);
    if (!c) return;
    c.failures = 0;
    c.probing = false;
    if (c.state !== 'closed') this.#set(provider, c, 'closed');
  }

  /** An operator says the provider is back (the admin API's reset): closed, as after a success. */
  reset(provider: string): void {
    this.recordSuccess(provider);
  }

  /** A failure of this kind, as its row of BREAKER_RULE says (policy.ts breakerHears). */
  recordFailure(provider: string, kind: ErrorKind): void {
    this.hear(provider, breakerHears(kind));
  }

  /** A failed attempt as breakerHears judged it: one more towards opening, an answer that ends the streak, or
   * nothing but the end of its probe. */
  hear(provider: string, hearing: BreakerHearing): void {
    if (hearing === 'deaf') {
      this.release(provider);
      return;
    }
    if (hearing === 'answered') {
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
      c = { state: 'closed', failures: 0, openedAt: 0, probing: false, changedAt: 0 };
      this.#circuits.set(provider, c);
    }
    return c;
  }

  /** Another replica's opening or closing, newer than what this process knows, becomes this process's state. */
  #adopt(provider: string): void {
    const shared = this.#shared?.getBreaker(provider);
    if (shared === undefined) return;
    const c = this.#circuits.get(provider);
    if (c !== undefined && shared.at <= c.changedAt) return;
    const state = c?.state ?? 'closed';
    if (shared.state === 'closed') {
      if (c === undefined || state === 'closed') return;
      c.failures = 0;
      c.probing = false;
      this.#set(provider, c, 'closed', shared.at);
      return;
    }
    const openedAt = shared.opened_at ?? shared.at;
    if (this.#now() - openedAt >= this.#options.pauseMs) return; // its pause is already over
    const circuit = c ?? this.#circuit(provider);
    circuit.openedAt = Math.max(circuit.openedAt, openedAt);
    if (state === 'open') {
      circuit.changedAt = shared.at; // open here too: only the later opening time was news
      return;
    }
    circuit.failures = 0;
    circuit.probing = false;
    this.#set(provider, circuit, 'open', shared.at);
  }

  /** A change made here is published to the shared store; one adopted from it (`adoptedAt`) is not sent back. */
  #set(provider: string, c: Circuit, state: BreakerState, adoptedAt?: number): void {
    c.state = state;
    // Going half-open here is no news to or from the other replicas: it leaves changedAt alone.
    if (state !== 'half_open') c.changedAt = adoptedAt ?? this.#now();
    if (adoptedAt === undefined && state !== 'half_open') {
      this.#shared?.setBreaker(
        state === 'open'
          ? { provider, state, at: c.changedAt, opened_at: c.openedAt }
          : { provider, state, at: c.changedAt },
      );
    }
    for (const l of this.#listeners) l(provider, state);
  }
}
