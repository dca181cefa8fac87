// Per-key progress: where the key is in its script, its current rate-limit window, its own random stream; and each
// account's prompt cache (a key is its own account unless the scenario gives it one, and a cache belongs to an account).
// Cleared by reset() and by a new scenario.
import { rngFor, type Rng } from './rng.ts';

export interface KeyState {
  /** Index of the next script step (counts up past the script's end). */
  scriptPos: number;
  /** Start (epoch ms) of the current rate-limit window, if one is open. */
  windowStart: number | undefined;
  /** Calls accepted in the current window. */
  windowCount: number;
  rng: Rng;
}

/** An account's cached prompt prefixes (see prompt-cache.ts): hash → when it expires (epoch ms). */
export type PromptCache = Map<string, number>;

export class KeyStates {
  readonly #states = new Map<string, KeyState>();
  readonly #caches = new Map<string, PromptCache>();
  #seed: number;

  constructor(seed: number) {
    this.#seed = seed;
  }

  get(key: string): KeyState {
    let state = this.#states.get(key);
    if (!state) {
      state = {
        scriptPos: 0,
        windowStart: undefined,
        windowCount: 0,
        rng: rngFor(this.#seed, key),
      };
      this.#states.set(key, state);
    }
    return state;
  }

  /** The prompt cache of an account. */
  cacheOf(account: string): PromptCache {
    let cache = this.#caches.get(account);
    if (cache === undefined) {
      cache = new Map();
      this.#caches.set(account, cache);
    }
    return cache;
  }

  /** Forgets all progress; a new seed applies from here on. */
  clear(seed: number = this.#seed): void {
    this.#seed = seed;
    this.#states.clear();
    this.#caches.clear();
  }
}
