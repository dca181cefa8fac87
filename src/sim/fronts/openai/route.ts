// OpenAI's own front door: Chat Completions, and the model list (GET /v1/models[/{id}]), which Anthropic's clients
// read too, each answered in its own shape (models-list.ts).
import { listModels } from '../../models-list.ts';
import { servePlainChat } from '../../plain-chat.ts';
import type { Route } from '../../route.ts';

const MODELS = /^\/v1\/models(?:\/(.+))?$/;

export const openaiRoutes: readonly Route[] = [
  { method: 'POST', path: '/v1/chat/completions', serve: (hit) => servePlainChat(hit, 'openai') },
  {
    method: 'GET',
    path: MODELS,
    serve: async ({ req, url, sim }) => {
      const id = MODELS.exec(url.pathname)?.[1];
      return listModels(req, sim.scenario(), id && decodeURIComponent(id), sim.oauth);
    },
  },
];
