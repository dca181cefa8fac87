// Vertex AI's front door (request.ts says what it takes): a model's call, Google's answered as the Gemini API
// answers and Anthropic's as the Messages API does, both in the path's region; and a publisher's model list.
import { keyOf, readBody } from '../../request.ts';
import { plainChatOf } from '../../plain-chat.ts';
import { serveOverHttp, siteOf } from '../../serve-call.ts';
import type { Route, RouteHit } from '../../route.ts';
import { parseGeminiRequest } from '../gemini/request.ts';
import { googleModelList } from '../gemini/answer.ts';
import { listRefusal } from '../gemini/route.ts';
import { VERTEX_PATH, anthropicOnVertex, vertexCall, type VertexCall } from './request.ts';

async function predict(hit: RouteHit): Promise<void> {
  const { req, url, sim } = hit;
  const vertex = vertexCall(url.pathname)!;
  if (vertex.publisher === 'anthropic') return claude(hit, vertex);
  const call = { model: vertex.model, stream: vertex.method === 'streamGenerateContent' };
  const request = parseGeminiRequest(keyOf(req, 'openai'), await readBody(req), call);
  await serveOverHttp(
    sim,
    hit,
    request,
    { ...siteOf(req, 'openai', url.pathname), region: vertex.region },
    { gemini: 'aiplatform.googleapis.com' },
  );
}

/** An Anthropic model on Vertex: the Messages body, its model the path's, its version Vertex's own. */
async function claude(hit: RouteHit, vertex: VertexCall): Promise<void> {
  const { req, url, sim } = hit;
  const body = await readBody(req);
  const read = anthropicOnVertex(body, vertex.model);
  const request = plainChatOf(hit, 'anthropic', 'body' in read ? read.body : body, 'vertex');
  request.model = vertex.model;
  if ('problem' in read) request.problem = { error: 'invalid_body', detail: read.problem };
  const at = { ...siteOf(req, 'anthropic', url.pathname), region: vertex.region };
  await serveOverHttp(sim, hit, request, at, { googleFront: true });
}

export const vertexRoutes: readonly Route[] = [
  { method: 'POST', path: VERTEX_PATH, serve: predict },
  {
    method: 'GET',
    path: /^\/v1beta1\/publishers\/[^/]+\/models$/,
    serve: async ({ req, sim }) =>
      googleModelList(sim.scenario(), listRefusal(sim, keyOf(req, 'openai')), 'aiplatform.googleapis.com'),
  },
];
