// Google's OAuth2 token endpoint (service.ts): a token for a client's credentials or a service account's JWT, the
// form posted as a form or, as some clients send it, as JSON.
import { readBody } from '../../request.ts';
import type { HttpReply } from '../../errors.ts';
import type { Route, RouteHit } from '../../route.ts';
import { OAUTH2_TOKEN_PATH } from './service.ts';

async function token({ req, sim }: RouteHit): Promise<HttpReply> {
  const body = await readBody(req);
  const form = /json/i.test(req.headers['content-type'] ?? '') ? jsonForm(body) : new URLSearchParams(body);
  return sim.oauth.token(sim.scenario(), form, req.headers.authorization, Date.now, sim.closing.signal);
}

/** A token request sent as JSON: its fields as a form. */
function jsonForm(body: string): URLSearchParams {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return new URLSearchParams();
    return new URLSearchParams(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new URLSearchParams();
  }
}

export const oauth2Routes: readonly Route[] = [{ method: 'POST', path: OAUTH2_TOKEN_PATH, serve: token }];
