// The simulator's route table: every front door's rows (fronts/<provider>/route.ts), and /_sim/'s. A request is
// served by the first row it meets; order matters only where a path is shared (Gemini's model list, told by its
// key, before OpenAI's). A new front door is a folder under fronts/ and its rows here.
import type { IncomingMessage } from 'node:http';
import { control } from './control.ts';
import { anthropicErrorBody, openAiErrorBody, type HttpReply } from './errors.ts';
import { apiOfModelsRequest } from './models-list.ts';
import type { Route } from './route.ts';
import { responsesRoutes } from './fronts/responses/route.ts';
import { anthropicRoutes } from './fronts/anthropic/route.ts';
import { azureRoutes } from './fronts/azure/route.ts';
import { bedrockRoutes } from './fronts/bedrock/route.ts';
import { vertexRoutes } from './fronts/vertex/route.ts';
import { geminiRoutes } from './fronts/gemini/route.ts';
import { openaiRoutes } from './fronts/openai/route.ts';
import { oauth2Routes } from './fronts/oauth2/route.ts';
import { stsRoutes } from './fronts/sts/route.ts';
import { metadataRoutes } from './fronts/metadata/route.ts';

export const ROUTES: readonly Route[] = [
  ...responsesRoutes,
  ...anthropicRoutes,
  ...azureRoutes,
  ...bedrockRoutes,
  ...vertexRoutes,
  ...geminiRoutes,
  ...openaiRoutes,
  ...oauth2Routes,
  ...stsRoutes,
  ...metadataRoutes,
  { method: 'ANY', path: /^\/_sim\//, serve: ({ req, url, sim }) => control(req, url, sim) },
];

/** A path no row serves: a 404 in the shape of the API the request looks like, naming what is served. */
export function unknownRoute(req: IncomingMessage, url: URL): HttpReply {
  const message = `Unknown request URL: ${req.method ?? 'GET'} ${url.pathname}. The simulator serves POST /v1/chat/completions and POST /v1/responses (OpenAI base_url: <sim>/v1), POST /v1/messages (Anthropic base_url: <sim>), Azure OpenAI's POST /openai/deployments/{d}/chat/completions and /openai/v1/chat/completions (azure base_url: <sim>) and GET /v1/models.`;
  const body =
    apiOfModelsRequest(req) === 'anthropic'
      ? anthropicErrorBody('not_found_error', message)
      : openAiErrorBody({ message, type: 'invalid_request_error', code: 'unknown_url' });
  return { status: 404, contentType: 'application/json', body: JSON.stringify(body) };
}
