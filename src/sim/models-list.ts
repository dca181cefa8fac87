// GET /v1/models (and /v1/models/ID) in OpenAI's list shape, or Anthropic's when the caller speaks Anthropic
// (sends x-api-key or anthropic-version). Keys are checked like chat calls, but scripts and faults do not apply:
// listing models is how tools probe a key, and a probe should not consume a scripted step.
import type { IncomingMessage } from 'node:http';
import { mask } from '../config/mask.ts';
import type { ApiName, Scenario } from './scenario.ts';
import { keyOf } from './request.ts';
import { renderError, type HttpReply } from './errors.ts';
import type { ErrorName } from './steps.ts';
import { behaviourOf } from './decide.ts';
import type { OAuthEndpoint } from './fronts/oauth2/service.ts';

const CREATED = 1_735_689_600; // 2025-01-01, fixed so answers are stable

export function apiOfModelsRequest(req: IncomingMessage): ApiName {
  return req.headers['x-api-key'] !== undefined || req.headers['anthropic-version'] !== undefined
    ? 'anthropic'
    : 'openai';
}

export function listModels(
  req: IncomingMessage,
  scenario: Scenario,
  modelId: string | undefined,
  tokens: OAuthEndpoint,
): HttpReply {
  const api = apiOfModelsRequest(req);
  const key = keyOf(req, api);
  const checked = listingKey(key, scenario, tokens, api);
  if ('refused' in checked)
    return renderError(api, checked.refused, {
      promptTokens: 0,
      ...(key !== undefined && checked.refused === 'invalid_key' ? { maskedKey: mask(key) } : {}),
    });
  const behaviour = checked.behaviour;
  const ids = Object.keys(scenario.models).filter((id) => !behaviour.models || behaviour.models.includes(id));
  if (modelId !== undefined) {
    if (!ids.includes(modelId)) return renderError(api, 'model_not_found', { model: modelId, promptTokens: 0 });
    return json(api === 'openai' ? openAiModel(modelId) : anthropicModel(modelId));
  }
  if (api === 'openai') return json({ object: 'list', data: ids.map(openAiModel) });
  return json({
    data: ids.map(anthropicModel),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  });
}

/** A listing's key checked as a chat call's is (scripts and faults aside): missing, an issued token expired or used
 * up, unknown or not for this API — or the key's behaviour. Shared by every cloud's listing, which is how `auth test`
 * probes a credential without a chat. */
export function listingKey(
  key: string | undefined,
  scenario: Scenario,
  tokens: OAuthEndpoint,
  api: ApiName,
): { refused: ErrorName } | { behaviour: NonNullable<ReturnType<typeof behaviourOf>> } {
  if (key === undefined) return { refused: 'missing_key' };
  // An access token of the token endpoint is a key too: expired or used up, it says so as a chat call would.
  const token = tokens.peek(key, Date.now());
  if (token.issued && token.problem) return { refused: token.problem };
  const behaviour = behaviourOf(scenario, key, token.issued ? { client: token.client } : undefined);
  if (!behaviour || !behaviour.valid || (behaviour.apis && !behaviour.apis.includes(api)))
    return { refused: 'invalid_key' };
  return { behaviour };
}

const openAiModel = (id: string) => ({ id, object: 'model', created: CREATED, owned_by: 'switchyard-sim' });
const anthropicModel = (id: string) => ({
  type: 'model',
  id,
  display_name: id,
  created_at: new Date(CREATED * 1000).toISOString(),
});

function json(value: unknown): HttpReply {
  return { status: 200, contentType: 'application/json', body: JSON.stringify(value) };
}
