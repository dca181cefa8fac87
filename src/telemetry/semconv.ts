// Which GenAI semantic conventions the spans and metrics speak (docs/observability.md#traces). The conventions are
// still in development; OTEL_SEMCONV_STABILITY_OPT_IN is how a user picks a version where they changed.

/** `latest`: the conventions as of v1.37+ (`gen_ai.provider.name`, cache and reasoning token counts). `dup`: those
 * plus the names v1.36 used where they changed (`gen_ai.system`), for dashboards still reading the old ones. */
export type GenAiConventions = 'latest' | 'dup';

/** The opt-in list is comma-separated; `gen_ai_latest_experimental` asks for the latest (our default too: Switchyard
 * emitted no earlier version, so there is no old default to keep) and `gen_ai_latest_experimental/dup` for both. */
export function genAiConventions(env: Readonly<Record<string, string | undefined>>): GenAiConventions {
  const values = (env['OTEL_SEMCONV_STABILITY_OPT_IN'] ?? '').split(',').map((v) => v.trim());
  return values.includes('gen_ai_latest_experimental/dup') ? 'dup' : 'latest';
}

/** Hosts whose well-known `gen_ai.provider.name` is not their API type's: an `openai`-type provider pointed at
 * DeepSeek is `deepseek`. Matched on the base URL's host and its parents. */
const HOST_NAMES: Record<string, string> = {
  'api.deepseek.com': 'deepseek',
  'api.groq.com': 'groq',
  'api.mistral.ai': 'mistral_ai',
  'api.x.ai': 'x_ai',
  'api.perplexity.ai': 'perplexity',
  'api.cohere.ai': 'cohere',
  'api.cohere.com': 'cohere',
  'openai.azure.com': 'azure.ai.openai',
  'services.ai.azure.com': 'azure.ai.inference',
  'generativelanguage.googleapis.com': 'gcp.gemini',
  'aiplatform.googleapis.com': 'gcp.vertex_ai',
  'amazonaws.com': 'aws.bedrock',
};

/** The well-known `gen_ai.provider.name` of a configured provider: the service its base URL points at when that is
 * one the conventions name, else its API type; a config's own provider name goes in `switchyard.provider`. */
export function providerName(provider: ConfiguredProvider | undefined): string {
  if (provider === undefined) return '_OTHER';
  let name = NAMES.get(provider);
  if (name === undefined) NAMES.set(provider, (name = nameOf(provider)));
  return name;
}

interface ConfiguredProvider {
  type: string;
  base_url: string;
}

/** Per config object: a call asks once per attempt, and a URL parse each time would be waste. */
const NAMES = new WeakMap<ConfiguredProvider, string>();

function nameOf(provider: ConfiguredProvider): string {
  let host = '';
  try {
    host = new URL(provider.base_url).hostname.toLowerCase();
  } catch {
    // A base URL that does not parse names no service: the type says what is spoken.
  }
  for (let h = host; h.includes('.'); h = h.slice(h.indexOf('.') + 1)) {
    const name = HOST_NAMES[h];
    if (name !== undefined) return name;
  }
  return TYPE_NAMES[provider.type] ?? '_OTHER';
}

/** A provider type's own name in the conventions, for a base URL that names none (a private endpoint). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure.ai.openai',
  gemini: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  bedrock: 'aws.bedrock',
};

/** Attribute names, in one place so a rename in the conventions is one edit. */
export const ATTR = {
  operation: 'gen_ai.operation.name',
  provider: 'gen_ai.provider.name',
  /** v1.36 and before: what `gen_ai.provider.name` replaced (emitted only with `/dup`). */
  system: 'gen_ai.system',
  requestModel: 'gen_ai.request.model',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  stream: 'gen_ai.request.stream',
  maxTokens: 'gen_ai.request.max_tokens',
  temperature: 'gen_ai.request.temperature',
  finishReasons: 'gen_ai.response.finish_reasons',
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheRead: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreation: 'gen_ai.usage.cache_creation.input_tokens',
  reasoning: 'gen_ai.usage.reasoning.output_tokens',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
  httpStatus: 'http.response.status_code',
  task: 'switchyard.task',
  clientKey: 'switchyard.client_key',
  /** The request's end user (OpenTelemetry's `enduser.id`), only with gateway.otel_end_user. */
  endUser: 'enduser.id',
  switchyardProvider: 'switchyard.provider',
  route: 'switchyard.route',
  credentialId: 'switchyard.credential.id',
  credentialMasked: 'switchyard.credential.masked',
  credentialSource: 'switchyard.credential.source',
  attempts: 'switchyard.attempts',
  attemptIndex: 'switchyard.attempt.index',
  rotations: 'switchyard.rotations',
  rotation: 'switchyard.rotation',
  fallbackIndex: 'switchyard.fallback.index',
  waitMs: 'switchyard.wait_ms',
  outcome: 'switchyard.outcome',
  note: 'switchyard.note',
  budget: 'switchyard.budget',
  errorHeadline: 'switchyard.error.headline',
  advice: 'switchyard.advice',
} as const;

/** The instrumentation scope every tracer and meter is named by. */
export const SCOPE = 'switchyard';
