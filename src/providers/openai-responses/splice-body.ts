// Same shape, same bytes for the Responses API: a Responses caller's body sent to a route that serves it (`responses_api:
// true`) as it came, with only the route's model and `stream` spliced in — what the adapter's `{...body, model,
// stream}` would say, without serialising the body again. A body some step changed (the conversation's owner's,
// a derived prompt cache key, compactions made readable) is serialised as before.
import type { ChatRequest, SendContext } from '../types.ts';
import { splice, wireMembers } from '../translate/splice.ts';
import type { BodyPieces } from '../translate/body-pieces.ts';

/** The caller's bytes for this attempt, spliced; undefined when the body sent is not the caller's as it came. */
export function splicedResponsesBody(
  req: ChatRequest,
  ctx: SendContext,
  stream: boolean,
): Buffer | BodyPieces | undefined {
  const wire = req.wire_body;
  if (wire?.shape !== 'responses' || ctx.responsesBody !== undefined || req.responses_body !== wire.body) return;
  const members = wireMembers(wire);
  if (members === undefined) return undefined;
  const edits = new Map<string, unknown>();
  if (wire.body['model'] !== req.model) edits.set('model', req.model);
  if (wire.body['stream'] !== stream) edits.set('stream', stream);
  return splice(wire.bytes, members, edits);
}
