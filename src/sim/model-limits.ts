// Request rules that depend on the model served: a max_tokens above its `max_output_tokens` is refused as each real API
// words it (docs/simulator.md#request-checks).
import type { Json } from './json.ts';
import type { ApiName, ModelSpec } from './scenario.ts';
import type { RequestProblem } from './request.ts';

/** The refusal of a body asking for more output than the model may write; undefined when it does not. */
export function modelLimitProblem(
  api: ApiName,
  body: Json,
  model: string | undefined,
  spec: ModelSpec | undefined,
): RequestProblem | undefined {
  const limit = spec?.max_output_tokens;
  if (limit === undefined) return undefined;
  // The Responses API's field is max_output_tokens.
  const field =
    api !== 'openai'
      ? 'max_tokens'
      : (['max_output_tokens', 'max_completion_tokens'].find((f) => body[f] !== undefined) ?? 'max_tokens');
  const asked = body[field];
  if (typeof asked !== 'number' || asked <= limit) return undefined;
  if (api === 'anthropic')
    return {
      error: 'invalid_body',
      detail: `max_tokens: ${asked} > ${limit}, which is the maximum allowed number of output tokens for ${model ?? ''}`,
    };
  return {
    error: 'invalid_body',
    param: field,
    code: 'invalid_value',
    detail: `${field} is too large: ${asked}. This model supports at most ${limit} completion tokens, whereas you provided ${asked}.`,
  };
}
