// What a parse leaves to count (a conversation against a compaction's trigger or threshold), so that counting it does
// not hold the event loop: the request's need once counted, the error to answer, or nothing. The gateway awaits it
// before the call (routes/serve-chat.ts).
import type { RouteNeed } from '../../calls/types.ts';
import type { WireRequestError } from '../../providers/translate/wire-error.ts';

/** Never rejects: a refusal comes as the error to throw. */
export type CountedNeed = Promise<RouteNeed | WireRequestError | undefined>;
