// One method per canonical stream event. A stream encoder is a table of them keyed by event type, so the type
// checker proves that it handles every type of event, and each method is given the event of its own type.
import type { StreamEvent } from '../types.ts';

/** Each canonical event, by its type. */
type EventByType = { [E in StreamEvent as E['type']]: E };

/** The canonical event of one type. */
export type EventOf<K extends StreamEvent['type']> = EventByType[K];

/** A method for every type of canonical event, returning what the stream writes for it. */
export type EventMethods<Out> = { [K in StreamEvent['type']]: (ev: EventByType[K]) => Out };

/** Calls the method for the event's type (on `methods`, so a class's methods keep their `this`). */
export function dispatch<Out>(methods: EventMethods<Out>, ev: StreamEvent): Out {
  return call(methods, ev.type, ev);
}

function call<K extends StreamEvent['type'], Out>(methods: EventMethods<Out>, type: K, ev: EventByType[K]): Out {
  return methods[type](ev);
}
