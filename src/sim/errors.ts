// Every error the simulator can answer with, in each API's real wire shape and wording, so classifiers are tested
// against the real thing (docs/simulator.md).
import type { ApiName } from './scenario.ts';
import type { ErrorName } from './steps.ts';

export interface ErrorContext {
  model?: string;
  /** Already masked: the simulator never echoes a full key. */
  maskedKey?: string;
  detail?: string;
  /** OpenAI's `param` and `code` for a refused body (invalid_body). */
  param?: string | null;
  code?: string | null;
  contextWindow?: number;
  promptTokens: number;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: string;
  /** Further headers (e.g. `allow` on a 405). */
  headers?: Record<string, string>;
}

export interface OpenAiError {
  status: number;
  message: string;
  type: string;
  param?: string | null;
  code?: string | number | null;
}
interface AnthropicError {
  status: number;
  type: string;
  message: string;
  /** Sent as `{"error":{…}}`, without the root `"type":"error"`: not the API's own answer but its edge's. */
  bare?: true;
}
interface Rendering {
  openai(ctx: ErrorContext): OpenAiError;
  anthropic(ctx: ErrorContext): AnthropicError;
}

const CREDIT_TOO_LOW =
  'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** The context-length message must make sense even when scripted for a short prompt. */
const overBy = (ctx: ErrorContext): [number, number] => {
  const window = ctx.contextWindow ?? 8000;
  return [window, Math.max(ctx.promptTokens, window + 1)];
};

const same =
  (status: number, type: string, message: string): Rendering['anthropic'] =>
  () => ({ status, type, message });

const RENDERINGS: Record<Exclude<ErrorName, 'bad_gateway'>, Rendering> = {
  missing_key: {
    openai: () => ({
      status: 401,
      type: 'invalid_request_error',
      message:
        "No API key provided. You didn't provide an API key; provide it in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    }),
    anthropic: same(401, 'authentication_error', 'No API key provided: x-api-key header is required'),
  },
  invalid_key: {
    openai: (c) => ({
      status: 401,
      type: 'invalid_request_error',
      code: 'invalid_api_key',
      message: `Incorrect API key provided: ${c.maskedKey ?? '…'}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    }),
    anthropic: same(401, 'authentication_error', 'invalid x-api-key'),
  },
  token_invalidated: {
    openai: () => ({
      status: 401,
      type: 'invalid_request_error',
      code: 'token_invalidated',
      message: 'Your authentication token has been invalidated. Please try signing in again.',
    }),
    anthropic: same(
      401,
      'authentication_error',
      'Your authentication token has been invalidated. Please try signing in again.',
    ),
  },
  // An OAuth access token past its expiry (ChatGPT-backed OpenAI endpoints' and Anthropic's OAuth wording).
  token_expired: {
    openai: () => ({
      status: 401,
      type: 'invalid_request_error',
      code: 'token_expired',
      message: 'Provided authentication token is expired. Please try signing in again.',
    }),
    anthropic: same(
      401,
      'authentication_error',
      'OAuth token has expired. Please obtain a new token or refresh your existing token.',
    ),
  },
  forbidden: {
    openai: () => ({
      status: 403,
      type: 'permission_error',
      code: 'permission_denied',
      message: 'Your API key does not have permission to use the specified resource.',
    }),
    anthropic: same(403, 'permission_error', 'Your API key does not have permission to use the specified resource.'),
  },
  forbidden_server_error: {
    openai: () => ({ status: 403, type: 'server_error', code: 'server_error', message: 'server_error' }),
    anthropic: same(403, 'api_error', 'server_error'),
  },
  // OpenAI's answer for a country it does not serve. Anthropic's counterpart is a bare 403 told from a refused key by
  // its type and words alone (sources at its rule in src/errors/classify.ts).
  region_refused: {
    openai: () => ({
      status: 403,
      type: 'request_forbidden',
      code: 'unsupported_country_region_territory',
      message: 'Country, region, or territory not supported',
    }),
    anthropic: () => ({ status: 403, type: 'forbidden', message: 'Request not allowed', bare: true }),
  },
  // OpenAI's answer when the key's project may not use the model (a 403 with code model_not_found). Anthropic says
  // a model the organisation may not use is not there at all: its 404.
  model_access_denied: {
    openai: (c) => ({
      status: 403,
      type: 'invalid_request_error',
      code: 'model_not_found',
      message: `Project \`proj_sim\` does not have access to model \`${c.model ?? ''}\``,
    }),
    anthropic: (c) => ({ status: 404, type: 'not_found_error', message: `model: ${c.model ?? ''}` }),
  },
  payment: {
    // OpenRouter's shape: a numeric code.
    openai: () => ({
      status: 402,
      type: 'payment_required',
      code: 402,
      message: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits',
    }),
    anthropic: same(402, 'billing_error', CREDIT_TOO_LOW),
  },
  quota: {
    openai: () => ({
      status: 429,
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    }),
    // What Anthropic really sends when credit runs out: a 400, recognisable only by its wording.
    anthropic: same(400, 'invalid_request_error', CREDIT_TOO_LOW),
  },
  rate_limited: {
    openai: (c) => ({
      status: 429,
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: `Rate limit reached for ${c.model ?? 'this model'} on requests per min (RPM). Please try again later.`,
    }),
    anthropic: same(
      429,
      'rate_limit_error',
      "This request would exceed your organization's rate limit. Please try again later.",
    ),
  },
  server: {
    openai: () => ({
      status: 500,
      type: 'server_error',
      message: 'The server had an error while processing your request. Sorry about that!',
    }),
    anthropic: same(500, 'api_error', 'Internal server error'),
  },
  unavailable: {
    openai: () => ({ status: 503, type: 'server_error', code: 'service_unavailable', message: 'Service Unavailable' }),
    anthropic: same(503, 'api_error', 'Service Unavailable'),
  },
  overloaded: {
    openai: () => ({
      status: 503,
      type: 'server_error',
      message: 'The engine is currently overloaded, please try again later',
    }),
    anthropic: same(529, 'overloaded_error', 'Overloaded'),
  },
  overloaded_529: {
    openai: () => ({ status: 529, type: 'overloaded_error', message: 'Overloaded' }),
    anthropic: same(529, 'overloaded_error', 'Overloaded'),
  },
  context_length: {
    openai: (c) => {
      const [window, tokens] = overBy(c);
      return {
        status: 400,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
        message: `This model's maximum context length is ${window} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
      };
    },
    anthropic: (c) => {
      const [window, tokens] = overBy(c);
      return {
        status: 400,
        type: 'invalid_request_error',
        message: `prompt is too long: ${tokens} tokens > ${window} maximum`,
      };
    },
  },
  bad_request: {
    openai: () => ({
      status: 400,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'invalid_value',
      message: "Invalid value for 'messages': the request was malformed.",
    }),
    anthropic: same(400, 'invalid_request_error', 'messages: the request was malformed'),
  },
  content_filter: {
    openai: () => ({
      status: 400,
      type: 'invalid_request_error',
      param: 'prompt',
      code: 'content_filter',
      message:
        'The response was filtered due to the prompt triggering the content management policy (content_filter). Please modify your prompt and retry.',
    }),
    anthropic: same(400, 'invalid_request_error', 'Output blocked by content filtering policy'),
  },
  model_not_found: {
    openai: (c) => ({
      status: 404,
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
      message: `The model \`${c.model ?? ''}\` does not exist or you do not have access to it.`,
    }),
    anthropic: (c) => ({ status: 404, type: 'not_found_error', message: `model: ${c.model ?? ''}` }),
  },
  invalid_body: {
    openai: (c) => ({
      status: 400,
      type: 'invalid_request_error',
      message: c.detail ?? 'invalid request body',
      param: c.param ?? null,
      code: c.code ?? null,
    }),
    anthropic: (c) => ({ status: 400, type: 'invalid_request_error', message: c.detail ?? 'invalid request body' }),
  },
  missing_version: {
    openai: (c) => ({
      status: 400,
      type: 'invalid_request_error',
      message: c.detail ?? 'anthropic-version: header is required',
    }),
    anthropic: same(400, 'invalid_request_error', 'anthropic-version: header is required'),
  },
  missing_max_tokens: {
    openai: (c) => ({
      status: 400,
      type: 'invalid_request_error',
      param: 'max_tokens',
      message: c.detail ?? 'max_tokens: Field required',
    }),
    anthropic: same(400, 'invalid_request_error', 'max_tokens: Field required'),
  },
  socket_limit: {
    openai: () => socketLimitReached(60),
    anthropic: same(400, 'invalid_request_error', 'websocket connection limit reached'),
  },
};

/** What OpenAI's WebSocket mode answers a turn on a connection past its time limit (60 minutes); clients reconnect. */
export function socketLimitReached(minutes: number): OpenAiError {
  return {
    status: 400,
    type: 'invalid_request_error',
    code: 'websocket_connection_limit_reached',
    message: `Responses websocket connection limit reached (${minutes} minutes). Create a new websocket connection to continue.`,
    param: null,
  };
}

export function renderError(api: ApiName, error: ErrorName, ctx: ErrorContext): HttpReply {
  // A 502 from a proxy in front of the API is HTML, whatever the API: the client must cope with garbage.
  if (error === 'bad_gateway') return { status: 502, contentType: 'text/html', body: BAD_GATEWAY_HTML };
  const rendering = RENDERINGS[error];
  if (api === 'openai') {
    const e = rendering.openai(ctx);
    return { status: e.status, contentType: 'application/json', body: JSON.stringify(openAiErrorBody(e)) };
  }
  const e = rendering.anthropic(ctx);
  const body = anthropicErrorBody(e.type, e.message);
  return {
    status: e.status,
    contentType: 'application/json',
    body: JSON.stringify(e.bare ? { error: body.error } : body),
  };
}

export function openAiErrorBody(e: Pick<OpenAiError, 'message' | 'type' | 'param' | 'code'>): {
  error: Record<string, unknown>;
} {
  return { error: { message: e.message, type: e.type, param: e.param ?? null, code: e.code ?? null } };
}

export function anthropicErrorBody(
  type: string,
  message: string,
): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type, message } };
}
