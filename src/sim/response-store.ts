// The responses the simulator keeps for `previous_response_id` (`store` not false), in memory and bounded: the oldest
// go first, so a simulator left running for days stays small. A later request continues from a kept response's whole
// conversation (its input items and its output), as OpenAI's stored responses do.
import type { Json } from './json.ts';

/** Responses kept; past this the oldest is forgotten (and continuing from it is `previous_response_not_found`). */
export const MAX_STORED_RESPONSES = 1000;

export class ResponseStore {
  readonly #items = new Map<string, Json[]>();
  readonly #max: number;

  constructor(max = MAX_STORED_RESPONSES) {
    this.#max = max;
  }

  /** The conversation a response left, its output last; undefined for an id never kept, or forgotten. */
  get(id: string): Json[] | undefined {
    return this.#items.get(id);
  }

  keep(id: string, items: Json[]): void {
    this.#items.delete(id);
    this.#items.set(id, items);
    if (this.#items.size > this.#max) this.#items.delete(this.#items.keys().next().value!);
  }

  clear(): void {
    this.#items.clear();
  }
}
