// Amazon Bedrock's front door: the Converse API (POST /model/{id}/converse[-stream]) and the control plane's model
// lists, each request SigV4-signed by a scenario key or a session the simulator's STS issued.
import { readBody } from '../../request.ts';
import { serveOverHttp, siteOf } from '../../serve-call.ts';
import type { HttpReply } from '../../errors.ts';
import type { Route, RouteHit } from '../../route.ts';
import { BEDROCK_PATH, bedrockCall, checkSignature, parseBedrockRequest } from './request.ts';
import { bedrockModelList, signatureRefusal } from './answer.ts';

async function converse(hit: RouteHit): Promise<HttpReply | void> {
  const { req, url, sim } = hit;
  const body = await readBody(req);
  // Bedrock's signature is checked before anything else, as AWS does.
  const signed = await checkSignature(req, body, sim.awsSecrets());
  if ('refused' in signed) return signatureRefusal(signed.refused);
  const request = parseBedrockRequest(signed.key, body, bedrockCall(url.pathname)!);
  await serveOverHttp(sim, hit, request, { ...siteOf(req, 'anthropic', url.pathname), signed }, { bedrock: true });
}

async function modelList({ req, url, sim }: RouteHit): Promise<HttpReply> {
  const signed = await checkSignature(req, await readBody(req), sim.awsSecrets());
  if ('refused' in signed) return signatureRefusal(signed.refused);
  if (signed.expired === true)
    return signatureRefusal(['ExpiredTokenException', 'The security token included in the request is expired']);
  return bedrockModelList(url.pathname, sim.scenario());
}

export const bedrockRoutes: readonly Route[] = [
  { method: 'POST', path: BEDROCK_PATH, serve: converse },
  { method: 'GET', path: '/foundation-models', serve: modelList },
  { method: 'GET', path: '/inference-profiles', serve: modelList },
];
