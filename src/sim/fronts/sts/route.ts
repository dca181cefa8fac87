// AWS STS (service.ts) and IAM Identity Center's role credentials: STS signed like any AWS call, by a scenario key
// or a session it issued; SSO by the bearer token a login gave.
import { readBody } from '../../request.ts';
import type { HttpReply } from '../../errors.ts';
import type { Route, RouteHit } from '../../route.ts';
import { checkSignature } from '../bedrock/request.ts';
import { stsSignatureRefusal } from './service.ts';

async function sts({ req, sim }: RouteHit): Promise<HttpReply> {
  const body = await readBody(req);
  const signed = await checkSignature(req, body, sim.awsSecrets());
  if ('refused' in signed) return stsSignatureRefusal(signed.refused);
  if (signed.expired === true)
    return stsSignatureRefusal(['ExpiredTokenException', 'The security token included in the request is expired']);
  return sim.sts.answer(new URLSearchParams(body), signed.key, sim.scenario().sts.session / 1000, Date.now());
}

async function ssoCredentials({ req, url, sim }: RouteHit): Promise<HttpReply> {
  await readBody(req);
  const token = req.headers['x-amz-sso_bearer_token'];
  const scenario = sim.scenario();
  const known = (key: string): boolean => scenario.keys[key] !== undefined;
  const bearer = typeof token === 'string' ? token : undefined;
  return sim.sts.ssoCredentials(url, bearer, known, scenario.sts.session / 1000, Date.now());
}

export const stsRoutes: readonly Route[] = [
  { method: 'POST', path: '/', serve: sts },
  { method: 'GET', path: '/federation/credentials', serve: ssoCredentials },
];
