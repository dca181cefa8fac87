// The ladder's event stream (logs, the dashboard, library callers and tests subscribe). A tiny synchronous emitter:
// `on` returns its own unsubscribe so a subscriber can be passed around as one value. A listener that throws cannot
// break a call. Each call tells its events through its own CallEvents, which keeps what the call's record holds.
import type { RouteFailureKind } from './failure-kinds.ts';
import type { LadderDecision, LadderEvent } from './types.ts';

export type LadderListener = (event: LadderEvent) => void;

/** Where the ladder tells what it does: the router's events, or one call's (CallEvents). */
export interface LadderSink {
  emit(event: LadderEvent): void;
}

export class LadderEvents implements LadderSink {
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

/** One call's events: each goes on to the router's subscribers, and the call keeps what its record holds of them
 * (call-record.ts): the ladder's decisions besides its attempts (the trail holds those), and the kind it gave up
 * with. */
export class CallEvents implements LadderSink {
  readonly #shared: LadderSink;
  /** In the order told; undefined while there is none (most calls). */
  decisions: LadderDecision[] | undefined;
  /** The last give_up's kind: a stream whose resume found no route is told given up twice (the resume's chain, then
   * the stream) but is one call that failed. */
  gaveUp: RouteFailureKind | undefined;

  constructor(shared: LadderSink) {
    this.#shared = shared;
  }

  emit(event: LadderEvent): void {
    switch (event.type) {
      case 'retry':
      case 'rotate':
      case 'cooldown':
      case 'fallback':
      case 'budget':
      case 'affinity':
        (this.decisions ??= []).push(event);
        break;
      case 'give_up':
        this.gaveUp = event.kind;
        break;
      default:
        break;
    }
    this.#shared.emit(event);
  }
}
