// Vertex AI's front door on the simulator: `/v1/projects/P/locations/R/publishers/PUB/models/M:METHOD`, the key a
// Bearer access token (one its token endpoint minted, checked for expiry, or a scenario key). Google's models answer
// as the Gemini API does (../gemini/); Anthropic's take the Messages body with `anthropic_version: vertex-2023-10-16`
// and the model from the path, and answer as Anthropic does — but what Google's front refuses (the token, the
// project's quota, a rate limit) is a google.rpc.Status, as on Vertex.
import type { ErrorName } from '../../steps.ts';
import { jsonObjectOf } from '../../json.ts';

export interface VertexCall {
  project: string;
  region: string;
  publisher: string;
  model: string;
  method: string;
}

export const VERTEX_PATH =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/:]+):(rawPredict|streamRawPredict|generateContent|streamGenerateContent)$/;

export function vertexCall(pathname: string): VertexCall | undefined {
  const m = VERTEX_PATH.exec(pathname);
  if (!m) return undefined;
  const [, project, region, publisher, model, method] = m.map((s) => decodeURIComponent(s ?? ''));
  return { project: project!, region: region!, publisher: publisher!, model: model!, method: method! };
}

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

/** An Anthropic body as Vertex takes it → the body the Messages checks read (the model put back from the path), or
 * Vertex's refusal of its version. */
export function anthropicOnVertex(raw: string, model: string): { body: string } | { problem: string } {
  const parsed = jsonObjectOf(raw);
  if (typeof parsed === 'string') return { body: raw };
  const { anthropic_version: version, ...rest } = parsed;
  if (version !== VERTEX_ANTHROPIC_VERSION)
    return {
      problem:
        version === undefined
          ? 'anthropic_version: Field required'
          : `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`,
    };
  if (rest['model'] !== undefined) return { problem: 'model: Extra inputs are not permitted' };
  return { body: JSON.stringify({ ...rest, model }) };
}

/** What Google's front answers for an Anthropic model on Vertex; the model's own errors stay Anthropic's. */
export const GOOGLE_FRONT: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'missing_key',
  'invalid_key',
  'token_expired',
  'token_invalidated',
  'forbidden',
  'rate_limited',
  'quota',
  'payment',
  'region_refused',
  'model_not_found',
]);
