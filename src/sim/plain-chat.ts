// A chat call in OpenAI's or Anthropic's own body (at their paths, Azure's, or Vertex's for Claude): its key from
// the headers its API reads, its body checked as that API checks it.
import { keyOf, parseChatRequest, readBody, type SimRequest } from './request.ts';
import { serveOverHttp, siteOf } from './serve-call.ts';
import type { RouteHit } from './route.ts';
import type { ApiName } from './scenario.ts';

/** The call `hit` carries in `body` as the API `api`; `anthropicVersion` stands for the header (Vertex's own). */
export function plainChatOf(hit: RouteHit, api: ApiName, body: string, anthropicVersion?: string): SimRequest {
  const { req } = hit;
  const version = req.headers['anthropic-version'];
  const beta = req.headers['anthropic-beta'];
  return parseChatRequest(
    api,
    keyOf(req, api),
    body,
    anthropicVersion ?? (typeof version === 'string' ? version : undefined),
    typeof beta === 'string' ? beta : undefined,
  );
}

/** POST /v1/chat/completions and /v1/messages: the call served as the API whose path it came in at. */
export async function servePlainChat(hit: RouteHit, api: ApiName): Promise<void> {
  const request = plainChatOf(hit, api, await readBody(hit.req));
  await serveOverHttp(hit.sim, hit, request, siteOf(hit.req, api, hit.url.pathname));
}
