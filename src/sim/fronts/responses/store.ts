// The responses the simulator keeps for `previous_response_id` (`store` not false), in memory and bounded: the oldest
// go first, so a simulator left running for days stays small. A later request continues from a kept response's whole
// conversation (its input items and its output), as OpenAI's stored responses do, and only with the key that made it:
// OpenAI scopes them to the project, so another key's id is not found.
import type { Json } from '../../json.ts';

/** Responses kept; past this the oldest is forgotten (and continuing from it is `previous_response_not_found`). */
export const MAX_STORED_RESPONSES = 1000;

interface Kept {
  /** The key the response was made with (`''` without one). */
  key: string;
  items: Json[];
}

export class ResponseStore {
  readonly #items = new Map<string, Kept>();
  readonly #max: number;

  constructor(max = MAX_STORED_RESPONSES) {
    this.#max = max;
  }

  /** The conversation a response left, its output last; undefined for an id never kept, forgotten, or made with
   * another key. */
  get(key: string | undefined, id: string): Json[] | undefined {
    const kept = this.#items.get(id);
    return kept !== undefined && kept.key === (key ?? '') ? kept.items : undefined;
  }

  keep(key: string | undefined, id: string, items: Json[]): void {
    this.#items.delete(id);
    this.#items.set(id, { key: key ?? '', items });
    if (this.#items.size > this.#max) this.#items.delete(this.#items.keys().next().value!);
  }

  clear(): void {
    this.#items.clear();
  }
}
