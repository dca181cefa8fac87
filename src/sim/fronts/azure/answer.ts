// Azure OpenAI's front door on the simulator: the deployments API (`/openai/deployments/{d}/chat/completions
// ?api-version=…`, the deployment naming the model) and the v1 API (`/openai/v1/chat/completions`), both the OpenAI
// body. What differs is said here: the key in `api-key` (or an Entra ID Bearer token), Azure's own error bodies
// (`{"error":{"code":"401",…}}`), content-filter results on every answer and the prompt's in a stream's first chunk.
import type { ErrorName } from '../../steps.ts';
import type { HttpReply } from '../../errors.ts';
import type { SseFrame, StreamPlan } from '../../sse.ts';

export interface AzureCall {
  /** The deployment named in the path (deployments API); absent on the v1 API. */
  deployment?: string;
}

export const DEPLOYMENT_CHAT = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;
export const AZURE_V1_CHAT = '/openai/v1/chat/completions';
/** The model lists of both APIs. */
export const AZURE_MODELS = ['/openai/models', '/openai/v1/models'];

/** The Azure call a chat path is, if it is one. */
export function azureChat(pathname: string): AzureCall | undefined {
  if (pathname === AZURE_V1_CHAT) return {};
  const m = DEPLOYMENT_CHAT.exec(pathname);
  return m ? { deployment: decodeURIComponent(m[1]!) } : undefined;
}

const azureBody = (code: string, message: string): string => JSON.stringify({ error: { code, message } });

/** The deployments API without `api-version`: Azure answers 404, as for a path it does not know. */
export function missingApiVersion(url: URL, call: AzureCall): HttpReply | undefined {
  if (call.deployment === undefined || url.searchParams.has('api-version')) return undefined;
  return { status: 404, contentType: 'application/json', body: azureBody('404', 'Resource not found') };
}

/** Every category of a content-filter result, none filtered; `hit` filtered at medium severity. */
function filterResults(hit?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of ['hate', 'self_harm', 'sexual', 'violence'])
    out[c] = c === hit ? { filtered: true, severity: 'medium' } : { filtered: false, severity: 'safe' };
  out['jailbreak'] = { filtered: false, detected: false };
  return out;
}

const ACCESS_DENIED = {
  missing_key:
    'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
  invalid_key:
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
} as const;

/** Azure's rendering of an error the simulator decided, where it differs from OpenAI's. */
export function azureError(error: ErrorName, openai: HttpReply, model: string): HttpReply {
  const json = (status: number, body: string): HttpReply => ({ status, contentType: 'application/json', body });
  switch (error) {
    case 'missing_key':
    case 'invalid_key':
    case 'token_expired':
    case 'token_invalidated':
      return json(
        401,
        azureBody('401', error === 'missing_key' ? ACCESS_DENIED.missing_key : ACCESS_DENIED.invalid_key),
      );
    case 'rate_limited':
      return json(
        429,
        azureBody(
          '429',
          'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 30 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.',
        ),
      );
    case 'model_not_found':
      return json(
        404,
        azureBody(
          'DeploymentNotFound',
          `The API deployment for this resource does not exist (${model}). If you created the deployment within the last 5 minutes, please wait a moment and try again.`,
        ),
      );
    case 'content_filter':
      return json(
        400,
        JSON.stringify({
          error: {
            message:
              "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
            type: null,
            param: 'prompt',
            code: 'content_filter',
            status: 400,
            innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: filterResults('violence') },
          },
        }),
      );
    default:
      return openai;
  }
}

/** A whole answer with Azure's filter results: the prompt's beside the choices, each choice's inside it. */
export function withFilterResults(completion: Record<string, unknown>): Record<string, unknown> {
  const choices = Array.isArray(completion['choices']) ? (completion['choices'] as Record<string, unknown>[]) : [];
  return {
    ...completion,
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterResults() }],
    choices: choices.map((c) => ({ ...c, content_filter_results: filterResults() })),
  };
}

/** A stream with Azure's first chunk: no choices, empty id and model, the prompt's filter results. */
export function withPromptFilterChunk(plan: StreamPlan): StreamPlan {
  const first: SseFrame = {
    data: JSON.stringify({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: filterResults() }],
    }),
  };
  return { ...plan, head: [first, ...plan.head] };
}
