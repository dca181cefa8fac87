// OpenAI's Responses API over HTTP: POST /v1/responses and /v1/responses/compact (a compaction is never streamed).
// Its WebSocket mode is turns.ts, on the upgrade of the same path.
import { keyOf, readBody } from '../../request.ts';
import { serveOverHttp } from '../../serve-call.ts';
import type { Route, RouteHit } from '../../route.ts';
import { parseResponsesRequest } from './request.ts';
import { responsesAnswer } from './turns.ts';

async function create(hit: RouteHit, compact: boolean): Promise<void> {
  const { req, url, sim } = hit;
  const key = keyOf(req, 'openai');
  const call = parseResponsesRequest(key, await readBody(req), (id) => sim.stored.get(key, id));
  if (compact) call.request.stream = false;
  await serveOverHttp(sim, hit, call.request, { api: 'openai', path: url.pathname }, (ctx) => ({
    responses: responsesAnswer(sim, call, ctx.seq, compact),
  }));
}

export const responsesRoutes: readonly Route[] = [
  { method: 'POST', path: '/v1/responses', serve: (hit) => create(hit, false) },
  { method: 'POST', path: '/v1/responses/compact', serve: (hit) => create(hit, true) },
];
