// The Gemini API's front door: generateContent and streamGenerateContent, the key in `x-goog-api-key` or `?key=`,
// and its model list, which checks the key as a call would (`auth test` proves a key by it).
import { listingKey } from '../../models-list.ts';
import { readBody } from '../../request.ts';
import { serveOverHttp, siteOf } from '../../serve-call.ts';
import type { ErrorName } from '../../steps.ts';
import type { Route, RouteHit } from '../../route.ts';
import type { Simulation } from '../../simulation.ts';
import { GEMINI_PATH, geminiCall, geminiKey, parseGeminiRequest } from './request.ts';
import { googleModelList } from './answer.ts';

/** The error a Google model list answers a key or token with, where a chat would refuse it. */
export function listRefusal(sim: Simulation, key: string | undefined): ErrorName | undefined {
  const checked = listingKey(key, sim.scenario(), sim.oauth, 'openai');
  return 'refused' in checked ? checked.refused : undefined;
}

async function generate(hit: RouteHit): Promise<void> {
  const { req, url, sim } = hit;
  const key = geminiKey(req, url);
  const request = parseGeminiRequest(key, await readBody(req), geminiCall(url.pathname)!);
  await serveOverHttp(sim, hit, request, siteOf(req, 'openai', url.pathname), {
    gemini: 'generativelanguage.googleapis.com',
  });
}

export const geminiRoutes: readonly Route[] = [
  { method: 'POST', path: GEMINI_PATH, serve: generate },
  {
    method: 'GET',
    path: /^\/v1(beta)?\/models$/,
    // OpenAI's list is the same path: a Gemini key tells this one.
    when: (req, url) => geminiKey(req, url) !== undefined,
    serve: async ({ req, url, sim }) =>
      googleModelList(sim.scenario(), listRefusal(sim, geminiKey(req, url)), 'generativelanguage.googleapis.com'),
  },
];
