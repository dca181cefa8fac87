// What a Responses WebSocket connection remembers of its own responses, so a turn may send only its new input with
// `previous_response_id` (OpenAI's connection-local cache). The gateway stores no responses: each turn is sent upstream
// as the whole conversation rebuilt from here, which is also what lets a turn fall back to any route.
import type { Obj } from '../providers/translate/obj.ts';

/** Responses kept per connection: a lane continues from its last one, and a fork from an earlier one is rare. */
export const KEPT_RESPONSES = 16;

export class SocketHistory {
  /** Response id → the conversation up to and including that response (its input items, then its output items). */
  readonly #items = new Map<string, readonly unknown[]>();

  /** The items a turn continuing `previousId` starts from, or undefined when this connection has no such response. */
  before(previousId: string): readonly unknown[] | undefined {
    return this.#items.get(previousId);
  }

  /** Remembers a finished response; the oldest goes once more than KEPT_RESPONSES are kept. */
  remember(id: string, input: readonly unknown[], output: readonly unknown[]): void {
    this.#items.delete(id);
    // A compaction's trigger asked for that response only: it must not reach the next turn mid-conversation.
    const asked = input.filter(
      (i) => !(i !== null && typeof i === 'object' && (i as Obj)['type'] === 'compaction_trigger'),
    );
    this.#items.set(id, [...asked, ...output.map(asInputItem)]);
    if (this.#items.size > KEPT_RESPONSES) this.#items.delete(this.#items.keys().next().value as string);
  }
}

/** A turn's `input` as items: a string is one user message. */
export function inputItems(input: unknown): unknown[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input : [];
}

/** An output item as the next turn's input: the same item, without the `status` OpenAI accepts back anyway but some
 * translators do not expect on input. */
function asInputItem(item: unknown): unknown {
  if (item === null || typeof item !== 'object') return item;
  const { status: _status, ...rest } = item as Obj;
  return rest;
}
