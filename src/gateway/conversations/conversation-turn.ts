// A Responses request's part in the gateway's conversation record (conversation-record.ts), as serve-chat.ts uses
// it: the conversation a `previous_response_id` continues, rebuilt before the body is parsed; the owner handed to the
// router; the answer kept once finished; and a conversation no route but its owner reads, said in the caller's terms.
import { ApiError } from '../answer/api-error.ts';
import type { GatewayContext } from '../context.ts';
import type { RequestState } from '../request/request-state.ts';
import type { ParsedWire } from '../wire.ts';
import {
  continueConversation,
  inputItems,
  recordTurn,
  type ContinuedConversation,
  type TurnInput,
} from './conversation-record.ts';
import type { Obj } from '../../providers/translate/obj.ts';
import type { Attempt, ChatOptions, ConversationOwner } from '../../calls/types.ts';

export interface OpenTurn {
  turn: TurnInput;
  continued?: ContinuedConversation;
  /** Whether the answer is kept: a WebSocket turn always (the protocol continues responses it did not store), an
   * HTTP one unless it said `store: false` (OpenAI keeps none of those either, and clients that send it, such as
   * Codex, send the whole conversation each time: keeping each would cost the square of its length). */
  keep: boolean;
}

/** The turn as the record will keep it, and the conversation it continues (or `previous_response_not_found`). */
export async function openTurn(
  ctx: GatewayContext,
  keyName: string | undefined,
  body: Obj,
  now: number,
  socket = false,
): Promise<OpenTurn> {
  const previous = body['previous_response_id'];
  const turn: TurnInput = {
    key: keyName ?? '',
    chain: [],
    input: inputItems(body['input']),
    stored: body['store'] !== false,
  };
  const keep = socket || turn.stored;
  if (typeof previous !== 'string' || previous === '') return { turn, keep };
  const continued = await continueConversation(ctx, keyName, body, now);
  turn.parent = previous;
  turn.chain = continued.chain;
  return { turn, continued, keep };
}

/** The owner goes to the router; the finished answer is kept with the route and key that gave it. */
export function keepTurn(
  ctx: GatewayContext,
  sy: RequestState,
  parsed: ParsedWire,
  opts: ChatOptions,
  open: OpenTurn,
): void {
  if (open.continued !== undefined) {
    sy.asked.continued = open.continued;
    if (open.continued.owner !== undefined) opts.owner = open.continued.owner;
  }
  if (!open.keep) return;
  // The answer says `store: true` when it can be read back by id: kept, and not asked `store: false`.
  if (parsed.echo !== undefined) parsed.echo.store = readableTurn(ctx, open.turn);
  const onAnswer: NonNullable<typeof parsed.onAnswer> = (response, upstreamId) => {
    const answer = sy.answer;
    const answered = {
      ...(answer !== undefined ? { route: answer.route } : {}),
      ...(answer?.credential !== undefined ? { fingerprint: answer.credential } : {}),
      upstreamId,
    };
    recordTurn(ctx, open.turn, response, answered, Date.now());
  };
  parsed.onAnswer = onAnswer;
}

/** Whether the record keeps the turn to be read back by id (stored-responses.ts): what its response's `store` says.
 * A turn's size over `max_bytes` is known only once answered, so such a response says true and reads back as 404. */
export function readableTurn(ctx: GatewayContext, turn: TurnInput): boolean {
  return turn.stored && ctx.settings.loaded.config.gateway.conversations.keep > 0;
}

/** A failed call that passed routes over because only the owner reads the conversation: `previous_response_not_found`
 * naming why, on which clients send the whole conversation. Undefined for any other failure. */
export function unportableFailure(
  owner: ConversationOwner | undefined,
  trail: readonly Attempt[],
): ApiError | undefined {
  if (owner?.unportable === undefined) return undefined;
  // Every other route is passed over, saying so (owner-step.ts skipUnportable).
  if (!trail.some((a) => a.skip === 'unportable')) return undefined;
  const failed = trail.findLast((a) => a.route === owner.route && a.outcome !== 'ok');
  const why = failed === undefined ? 'could not be used' : `failed (${failed.outcome})`;
  return new ApiError(
    'invalid_request',
    `Previous response cannot be continued: ${owner.route}, which holds this conversation, ${why}, and no other route can be sent it: ${owner.unportable}; send the whole conversation in input without previous_response_id`,
    { code: 'previous_response_not_found', param: 'previous_response_id' },
  );
}

/** The body of a request that reads a recorded conversation without continuing it (a compaction): as it came without
 * `previous_response_id`, else with the conversation whole in `input`. One compacted by an upstream that alone reads
 * it cannot be summarised here: refused naming that route. */
export async function wholeConversation(
  ctx: GatewayContext,
  keyName: string | undefined,
  body: Obj,
  now: number,
): Promise<Obj> {
  const previous = body['previous_response_id'];
  if (previous === undefined || previous === null) return body;
  if (typeof previous !== 'string' || previous === '')
    throw new ApiError('invalid_request', 'previous_response_id: expected a response id', {
      param: 'previous_response_id',
    });
  const continued = await continueConversation(ctx, keyName, body, now);
  const unportable = continued.owner?.unportable;
  if (unportable !== undefined)
    throw new ApiError(
      'invalid_request',
      `Previous response '${previous}' cannot be compacted by the gateway: ${unportable}, and the gateway's compaction asks a model for a summary of what it can read; compact with that provider's own API, or send the conversation whole without its compaction item`,
      { code: 'unsupported_compaction', param: 'previous_response_id' },
    );
  return continued.body;
}
