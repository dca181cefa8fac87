// The ladder's event stream (metrics, logs and tests subscribe). A tiny synchronous emitter: `on` returns its own
// unsubscribe so a subscriber can be passed around as one value. A listener that throws cannot break a call.
import type { LadderEvent } from './types.ts';

export type LadderListener = (event: LadderEvent) => void;

export class LadderEvents {
  readonly #listeners = new Set<LadderListener>();

  on(listener: LadderListener): () => void {
    this.#listeners.add(listener);
    return () => this.off(listener);
  }

  off(listener: LadderListener): void {
    this.#listeners.delete(listener);
  }

  emit(event: LadderEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // Observers must never change the outcome of a call.
      }
    }
  }
}
