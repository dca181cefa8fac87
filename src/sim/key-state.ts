// Per-key progress: where the key is in its script, its current rate-limit window, its own random stream, and its
// prompt cache (each key is its own account, and a cache belongs to an account).
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
  /** Prompt prefixes cached so far (see prompt-cache.ts). */
  promptCache: Set<string>;
}

export class KeyStates {
  readonly #states = new Map<string, KeyState>();
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
        promptCache: new Set(),
      };
      this.#states.set(key, state);
    }
    return state;
  }

  /** Forgets all progress; a new seed applies from here on. */
  clear(seed: number = this.#seed): void {
    this.#seed = seed;
    this.#states.clear();
  }
}
