// Google's metadata server (docs/simulator.md#oauth2): the instance's service account is the scenario's OAuth2
// client `metadata`, its tokens issued like that client's (expiry, counts, invalidation).
import { readBody } from '../../request.ts';
import type { HttpReply } from '../../errors.ts';
import type { Route, RouteHit } from '../../route.ts';

const METADATA_TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';
const METADATA_CLIENT = 'metadata';

async function token({ req, sim }: RouteHit): Promise<HttpReply> {
  await readBody(req);
  if (req.headers['metadata-flavor'] !== 'Google')
    return { status: 403, contentType: 'text/html', body: 'Missing required header: Metadata-Flavor' };
  const scenario = sim.scenario();
  if (scenario.oauth2.clients[METADATA_CLIENT] === undefined)
    return { status: 404, contentType: 'text/html', body: 'No service account is attached to this instance' };
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: METADATA_CLIENT });
  return sim.oauth.token(scenario, form, undefined, Date.now, sim.closing.signal);
}

export const metadataRoutes: readonly Route[] = [{ method: 'GET', path: METADATA_TOKEN_PATH, serve: token }];
