// Gemini's wire format on the simulator (the Gemini API's and Vertex AI's Gemini models): a GenerateContentResponse
// whole, or one per SSE `data:` line (`alt=sse`) with the finish and usage on the last; a function call whole in one
// part with its thought signature; a blocked prompt as a 200 with `promptFeedback.blockReason` and no candidates;
// errors as google.rpc.Status (`{"error":{"code","message","status","details"}}`), a rate limit's wait in RetryInfo
// rather than in headers.
import type { SimReply } from '../../reply.ts';
import type { ErrorName } from '../../steps.ts';
import { renderError, type HttpReply } from '../../errors.ts';
import type { Scenario } from '../../scenario.ts';
import { wordPieces, type SseFrame, type StreamPlan } from '../../sse.ts';
import { simThoughtSignature } from './request.ts';

export interface GeminiMeta {
  responseId: string;
  model: string;
  /** The Gemini API (`generativelanguage`) or Vertex AI (`aiplatform`): their errors name their own service. */
  service: 'generativelanguage.googleapis.com' | 'aiplatform.googleapis.com';
}

const FINISH: Record<SimReply['finish'], string> = {
  stop: 'STOP',
  stop_sequence: 'STOP',
  length: 'MAX_TOKENS',
  tool_calls: 'STOP',
};

/** `candidatesTokenCount` leaves the thinking out; `thoughtsTokenCount` says it. */
function usageOf(reply: SimReply): Record<string, unknown> {
  const thoughts = reply.thinking ? Math.max(1, Math.ceil(reply.thinking.thinking.length / 4) || 8) : 0;
  const candidates = Math.max(0, reply.outputTokens - thoughts);
  return {
    promptTokenCount: reply.inputTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: reply.inputTokens + candidates + thoughts,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: reply.inputTokens }],
    ...(reply.cache && reply.cache.read > 0 ? { cachedContentTokenCount: reply.cache.read } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  };
}

function callPart(reply: SimReply): Record<string, unknown> {
  const call = reply.toolCall!;
  return {
    functionCall: { name: call.name, args: JSON.parse(call.arguments) as unknown },
    thoughtSignature: simThoughtSignature(call.name),
  };
}

function partsOf(reply: SimReply): Record<string, unknown>[] {
  const thought =
    reply.thinking && reply.thinking.thinking !== '' ? [{ text: reply.thinking.thinking, thought: true }] : [];
  return [...thought, reply.toolCall ? callPart(reply) : { text: reply.text }];
}

export function geminiAnswer(reply: SimReply, meta: GeminiMeta): Record<string, unknown> {
  return {
    candidates: [{ content: { parts: partsOf(reply), role: 'model' }, finishReason: FINISH[reply.finish], index: 0 }],
    usageMetadata: usageOf(reply),
    modelVersion: meta.model,
    responseId: meta.responseId,
  };
}

export function geminiStream(reply: SimReply, meta: GeminiMeta): StreamPlan {
  const chunk = (parts: Record<string, unknown>[], last = false): SseFrame => ({
    data: JSON.stringify({
      candidates: [
        { content: { parts, role: 'model' }, ...(last ? { finishReason: FINISH[reply.finish] } : {}), index: 0 },
      ],
      usageMetadata: last
        ? usageOf(reply)
        : { promptTokenCount: reply.inputTokens, totalTokenCount: reply.inputTokens },
      modelVersion: meta.model,
      responseId: meta.responseId,
    }),
  });
  const head =
    reply.thinking && reply.thinking.thinking !== '' ? [chunk([{ text: reply.thinking.thinking, thought: true }])] : [];
  const deltas = reply.toolCall
    ? [{ ...chunk([callPart(reply)]), content: { args: reply.toolCall.arguments } }]
    : wordPieces(reply.text).map((piece) => ({ ...chunk([{ text: piece }]), content: { text: piece } }));
  const tail = [chunk([{ text: '' }], true)];
  const error = {
    data: JSON.stringify(status(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.')),
  };
  return { head, deltas, tail, error };
}

/** A prompt the safety filters block: no candidates, the reason in `promptFeedback`. */
export function geminiBlocked(reply: SimReply, meta: GeminiMeta): Record<string, unknown> {
  return {
    promptFeedback: {
      blockReason: 'SAFETY',
      safetyRatings: [
        { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
        { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
        { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
        { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH' },
      ],
    },
    usageMetadata: { promptTokenCount: reply.inputTokens, totalTokenCount: reply.inputTokens },
    modelVersion: meta.model,
    responseId: meta.responseId,
  };
}

function status(code: number, name: string, message: string, details?: unknown[]): Record<string, unknown> {
  return { error: { code, message, status: name, ...(details ? { details } : {}) } };
}

const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

function quotaDetails(model: string, window: 'Minute' | 'Day', retryS: number | undefined): unknown[] {
  const violations = {
    '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
    violations: [
      {
        quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
        quotaId: `GenerateRequestsPer${window}PerProjectPerModel-FreeTier`,
        quotaDimensions: { location: 'global', model },
        quotaValue: window === 'Day' ? '250' : '10',
      },
    ],
  };
  const help = {
    '@type': 'type.googleapis.com/google.rpc.Help',
    links: [{ description: 'Learn more', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }],
  };
  const retry =
    retryS === undefined ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryS}s` }];
  return [help, violations, ...retry];
}

/** google.rpc.Code names by HTTP status, for the errors Gemini words as OpenAI does. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function messageOf(reply: HttpReply): string {
  try {
    const body = JSON.parse(reply.body) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : 'Request contains an invalid argument.';
  } catch {
    return 'Request contains an invalid argument.';
  }
}

export interface GeminiErrorContext {
  model: string;
  /** The key's rate-limit wait, in seconds, when its scenario gives reset hints: Google says it in RetryInfo. */
  retryS?: number;
  promptTokens: number;
  contextWindow?: number;
  detail?: string;
  service: GeminiMeta['service'];
}

const UNAUTHENTICATED =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** The errors Google answers in the same words whatever the call: code, status name and message. */
const FIXED: Partial<Record<ErrorName, [number, string, string]>> = {
  forbidden: [403, 'PERMISSION_DENIED', 'The caller does not have permission'],
  model_access_denied: [403, 'PERMISSION_DENIED', 'The caller does not have permission'],
  region_refused: [400, 'FAILED_PRECONDITION', 'User location is not supported for the API use.'],
  server: [
    500,
    'INTERNAL',
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  ],
  unavailable: [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  overloaded: [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
  overloaded_529: [503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'],
};

const errorInfo = (reason: string, c: GeminiErrorContext): unknown[] => [
  {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason,
    domain: 'googleapis.com',
    metadata: { service: c.service },
  },
];

const statusReply = (body: Record<string, unknown>): HttpReply => {
  const code = (body['error'] as { code: number }).code;
  return { status: code, contentType: 'application/json; charset=UTF-8', body: JSON.stringify(body) };
};

/** The google.rpc.Status of an error the simulator decided (the blocked prompt, a 200, is geminiBlocked). */
export function geminiError(error: ErrorName, openai: HttpReply, c: GeminiErrorContext): HttpReply {
  if (error === 'bad_gateway') return openai;
  const fixed = FIXED[error];
  const body = fixed !== undefined ? status(...fixed) : (credentialStatus(error, c) ?? callStatus(error, c));
  return statusReply(
    body ?? status(openai.status, STATUS_NAMES[openai.status] ?? 'INVALID_ARGUMENT', c.detail ?? messageOf(openai)),
  );
}

/** A key or token refused: Google's words differ by service (an API key's, or an OAuth token's on Vertex). */
function credentialStatus(error: ErrorName, c: GeminiErrorContext): Record<string, unknown> | undefined {
  switch (error) {
    case 'missing_key':
      return status(
        403,
        'PERMISSION_DENIED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        errorInfo('CONSUMER_INVALID', c),
      );
    case 'invalid_key':
    case 'token_invalidated':
      return c.service === 'aiplatform.googleapis.com'
        ? status(401, 'UNAUTHENTICATED', UNAUTHENTICATED, errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', c))
        : status(
            400,
            'INVALID_ARGUMENT',
            'API key not valid. Please pass a valid API key.',
            errorInfo('API_KEY_INVALID', c),
          );
    case 'token_expired':
      return status(401, 'UNAUTHENTICATED', UNAUTHENTICATED, errorInfo('ACCESS_TOKEN_EXPIRED', c));
    default:
      return undefined;
  }
}

/** An error whose words name the call: its model, its prompt's size, the key's wait. */
function callStatus(error: ErrorName, c: GeminiErrorContext): Record<string, unknown> | undefined {
  switch (error) {
    case 'payment':
      return status(
        400,
        'FAILED_PRECONDITION',
        'This API method requires billing to be enabled. Please enable billing on project #sim-project by visiting https://console.developers.google.com/billing/enable?project=sim-project then retry.',
        errorInfo('BILLING_DISABLED', c),
      );
    case 'quota':
      return status(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, quotaDetails(c.model, 'Day', 17));
    case 'rate_limited':
      // Without reset hints: Vertex's shared-capacity answer, which says nothing of when.
      return c.retryS === undefined
        ? status(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later.')
        : status(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, quotaDetails(c.model, 'Minute', c.retryS));
    case 'context_length': {
      const window = c.contextWindow ?? 8000;
      const tokens = Math.max(c.promptTokens, window + 1);
      return status(
        400,
        'INVALID_ARGUMENT',
        `The input token count (${tokens}) exceeds the maximum number of tokens allowed (${window}).`,
      );
    }
    case 'model_not_found':
      return status(
        404,
        'NOT_FOUND',
        `models/${c.model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      );
    default:
      return undefined;
  }
}

/** A Google models list (the Gemini API's with its key, Vertex AI's publisher models with a token): its key checked
 * as a chat call's is, refused in the service's own words (listingKey), else the list. */
export function googleModelList(
  scenario: Scenario,
  refused: ErrorName | undefined,
  service: GeminiMeta['service'],
): HttpReply {
  if (refused !== undefined)
    return geminiError(refused, renderError('openai', refused, { promptTokens: 0 }), {
      model: '',
      promptTokens: 0,
      service,
    });
  return geminiModelList(scenario);
}

/** GET /v1beta/models: the scenario's models in Gemini's list shape. */
export function geminiModelList(scenario: Scenario): HttpReply {
  const models = Object.keys(scenario.models).map((id) => ({
    name: `models/${id}`,
    displayName: id,
    supportedGenerationMethods: ['generateContent', 'countTokens'],
  }));
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ models }) };
}
