// Carries out a decision on a Responses WebSocket turn: an error is an `error` event (the connection stays open, but
// for `socket_limit`'s, after which it closes), a reset drops the connection, a timeout says nothing, and an answer is
// the Responses stream, one message per event, its faults (cut, stall, an error inside) at the same places as over
// HTTP (respond.ts playStream).
import { socketError, type SocketConnection } from './socket.ts';
import { pause, playStream, renderedError, replyFor, type RespondContext } from '../../respond.ts';
import { numbering, responsesStream } from './answer.ts';
import { promptBill, type SimBilled } from '../../billing.ts';

export async function respondOnSocket(conn: SocketConnection, ctx: RespondContext): Promise<SimBilled | null> {
  const { decision, request } = ctx;
  const action = decision.action;
  const refused = action.kind === 'error' || action.kind === 'reset';
  if (!(await pause(decision.latencyMs, conn.signal))) return refused ? null : promptBill(request.promptTokens);
  switch (action.kind) {
    case 'error': {
      const rendered = renderedError(ctx, action.error);
      const body = JSON.parse(rendered.body) as { error?: Record<string, unknown> };
      await conn.send(socketError(rendered.status, body.error ?? { message: rendered.body }));
      // As OpenAI at its 60 minutes: this connection takes no more turns.
      if (action.error === 'socket_limit') conn.expire();
      return null;
    }
    case 'reset':
      conn.drop();
      return null;
    case 'timeout':
      return promptBill(request.promptTokens);
    default: {
      const { reply } = replyFor(ctx);
      const number = numbering();
      return playStream(responsesStream(reply, ctx.responses!.meta), reply, ctx, {
        send: (frame) => conn.send(number(frame).data),
        end: () => {},
        cut: () => conn.drop(),
      });
    }
  }
}
