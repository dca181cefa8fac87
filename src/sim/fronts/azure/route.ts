// Azure OpenAI's front door (answer.ts says how it differs): the deployments and v1 chat paths, and both model lists.
import { listModels } from '../../models-list.ts';
import { plainChatOf } from '../../plain-chat.ts';
import { readBody } from '../../request.ts';
import { serveOverHttp, siteOf } from '../../serve-call.ts';
import type { HttpReply } from '../../errors.ts';
import type { Route, RouteHit } from '../../route.ts';
import { AZURE_MODELS, AZURE_V1_CHAT, DEPLOYMENT_CHAT, azureChat, missingApiVersion } from './answer.ts';

async function chat(hit: RouteHit): Promise<HttpReply | void> {
  const azure = azureChat(hit.url.pathname)!;
  const missing = missingApiVersion(hit.url, azure);
  if (missing !== undefined) {
    await readBody(hit.req);
    return missing;
  }
  const request = plainChatOf(hit, 'openai', await readBody(hit.req));
  // Azure's deployments API serves the deployment the path names, whatever the body says.
  if (azure.deployment !== undefined) request.model = azure.deployment;
  await serveOverHttp(hit.sim, hit, request, siteOf(hit.req, 'openai', hit.url.pathname), { azure: true });
}

export const azureRoutes: readonly Route[] = [
  { method: 'POST', path: AZURE_V1_CHAT, serve: chat },
  { method: 'POST', path: DEPLOYMENT_CHAT, serve: chat },
  ...AZURE_MODELS.map((path): Route => ({
    method: 'GET',
    path,
    serve: async ({ req, sim }) => listModels(req, sim.scenario(), undefined, sim.oauth),
  })),
];
