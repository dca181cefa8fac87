// The Responses API's side of the simulator, over HTTP and its WebSocket mode: what a call is answered with and
// kept as (for `previous_response_id`), the upgrade's key check, and each turn on a socket decided as a call.
import { keyOf } from '../../request.ts';
import { renderError } from '../../errors.ts';
import { behaviourOf } from '../../decide.ts';
import { mask } from '../../../config/mask.ts';
import { serveCall } from '../../serve-call.ts';
import type { ResponsesAnswer } from '../../respond.ts';
import type { Simulation } from '../../simulation.ts';
import { parseResponsesBody, type ResponsesCall } from './request.ts';
import { numbering, responseId, warmUpEvents } from './answer.ts';
import { respondOnSocket } from './respond-socket.ts';
import type { SocketConnection, SocketTurns } from './socket.ts';

/** What a Responses call is answered with: its object's facts, and the store it is kept in. */
export function responsesAnswer(
  sim: Simulation,
  call: ResponsesCall,
  seq: number,
  compact: boolean,
  conn?: SocketConnection,
): ResponsesAnswer {
  const meta = {
    seq,
    model: call.request.model ?? '',
    created: Math.floor(Date.now() / 1000),
    echo: call.echo,
    encryptedReasoning: call.encryptedReasoning,
  };
  return {
    meta,
    ...(compact ? { compact: call.items } : {}),
    keep: (output) => {
      const items = [...call.items, ...output];
      if (conn !== undefined) conn.last = { id: responseId(seq), items };
      if (call.store) sim.stored.keep(call.request.key, responseId(seq), items);
    },
  };
}

/** The WebSocket mode's turns for `sim`. */
export function socketTurns(sim: Simulation): SocketTurns {
  return {
    refusal(req) {
      const key = keyOf(req, 'openai');
      const token = sim.oauth.check(key, Date.now());
      const issued = token.issued ? { client: token.client } : undefined;
      if (key === undefined) return renderError('openai', 'missing_key', { promptTokens: 0 });
      // An issued token that expired or was invalidated is refused as an HTTP request with it would be.
      if (token.issued && token.problem !== undefined) return renderError('openai', token.problem, { promptTokens: 0 });
      const behaviour = behaviourOf(sim.scenario(), key, issued);
      if (behaviour === undefined || !behaviour.valid)
        return renderError('openai', 'invalid_key', { maskedKey: mask(key), promptTokens: 0 });
      return undefined;
    },
    async turn(req, create, conn) {
      const key = keyOf(req, 'openai');
      const earlier = (id: string) => (conn.last?.id === id ? conn.last.items : sim.stored.get(key, id));
      const call = parseResponsesBody(key, create, earlier);
      if (create['generate'] === false) return warmUp(sim, call, conn);
      // Every turn on the socket is streamed.
      call.request.stream = true;
      await serveCall(
        sim,
        call.request,
        { api: 'openai', path: '/v1/responses', websocket: conn.number },
        conn.signal,
        (ctx) => respondOnSocket(conn, { ...ctx, responses: responsesAnswer(sim, call, ctx.seq, false, conn) }),
      );
    },
  };
}

/** `generate: false`: the response is kept for the next turn, and no model is called (nor a call counted). */
async function warmUp(sim: Simulation, call: ResponsesCall, conn: SocketConnection): Promise<void> {
  const answer = responsesAnswer(sim, call, sim.nextSeq(), false, conn);
  answer.keep([]);
  const number = numbering();
  for (const frame of warmUpEvents(answer.meta)) await conn.send(number(frame).data);
}
