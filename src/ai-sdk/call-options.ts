// The SDK's call options → our request settings. Settings with no equivalent are said back as warnings (the SDK's
// way to report a setting a provider cannot honour); provider-executed tools are refused outright.
import type { RequestSettings } from '../providers/settings.ts';
import type { ResponseFormat, ToolDefinition } from '../providers/types.ts';
import { OWN_KEY } from './prompt.ts';
import { UnsupportedFunctionalityError } from './sdk-errors.ts';
import type { CallOptions, FunctionTool, ProviderTool, ToolChoice, Warning } from './spec-types.ts';

/** Headers the SDK adds to every call itself; they say nothing the ladder should send. */
const SDK_HEADERS = new Set(['user-agent']);

export function toSettings(options: CallOptions, warnings: Warning[]): RequestSettings {
  const s: RequestSettings = {};
  if (options.maxOutputTokens !== undefined) s.max_tokens = options.maxOutputTokens;
  if (options.temperature !== undefined) s.temperature = options.temperature;
  if (options.topP !== undefined) s.top_p = options.topP;
  if (options.topK !== undefined) s.top_k = options.topK;
  if (options.stopSequences !== undefined && options.stopSequences.length > 0) s.stop = options.stopSequences;
  if (options.presencePenalty !== undefined) s.presence_penalty = options.presencePenalty;
  if (options.frequencyPenalty !== undefined) s.frequency_penalty = options.frequencyPenalty;
  if (options.seed !== undefined) s.seed = options.seed;
  if (options.tools !== undefined && options.tools.length > 0) s.tools = options.tools.map(toolDefinition);
  if (options.toolChoice !== undefined) s.tool_choice = toolChoice(options.toolChoice);
  if (options.responseFormat?.type === 'json') s.response_format = responseFormat(options.responseFormat);
  if (options.reasoning !== undefined && options.reasoning !== 'provider-default')
    s.reasoning_effort = options.reasoning;
  ownProviderOptions(options, s);
  const headers = Object.keys(options.headers ?? {}).filter((h) => !SDK_HEADERS.has(h.toLowerCase()));
  if (headers.length > 0)
    warnings.push({
      type: 'unsupported',
      feature: 'headers',
      details: `per-call headers (${headers.join(', ')}) are not sent: set them under the provider's headers: in the config`,
    });
  if (options.includeRawChunks === true)
    warnings.push({ type: 'unsupported', feature: 'includeRawChunks', details: 'switchyard streams canonical events' });
  return s;
}

function toolDefinition(t: FunctionTool | ProviderTool): ToolDefinition {
  if (t.type !== 'function')
    throw new UnsupportedFunctionalityError(
      `provider tool ${t.id}`,
      `tool ${t.name} (${t.id}) is run by one provider; switchyard routes across providers and offers function tools only`,
    );
  const def: ToolDefinition = {
    name: t.name,
    parameters: (t.inputSchema ?? { type: 'object' }) as ToolDefinition['parameters'],
  };
  if (t.description !== undefined) def.description = t.description;
  if (t.strict !== undefined) def.strict = t.strict;
  return def;
}

function toolChoice(c: ToolChoice): RequestSettings['tool_choice'] {
  return c.type === 'tool' ? { name: c.toolName } : c.type;
}

function responseFormat(f: { schema?: unknown; name?: string; description?: string }): ResponseFormat {
  if (f.schema === undefined) return { type: 'json_object' };
  const json_schema: Extract<ResponseFormat, { type: 'json_schema' }>['json_schema'] = {
    name: f.name ?? 'response',
    schema: f.schema as Record<string, unknown>,
  };
  if (f.description !== undefined) json_schema.description = f.description;
  return { type: 'json_schema', json_schema };
}

/** `providerOptions.switchyard`: what has no SDK-wide setting (Anthropic thinking, OpenAI reasoning effort, the end
 * user's id, one tool call at a time). */
function ownProviderOptions(options: CallOptions, s: RequestSettings): void {
  const own = options.providerOptions?.[OWN_KEY];
  if (own === undefined) return;
  const thinking = own['thinking'];
  if (thinking !== null && typeof thinking === 'object' && !Array.isArray(thinking))
    s.anthropic_fields = { thinking: thinking as Record<string, unknown> };
  if (typeof own['reasoningEffort'] === 'string') s.reasoning_effort = own['reasoningEffort'];
  if (typeof own['user'] === 'string') s.user = own['user'];
  if (typeof own['parallelToolCalls'] === 'boolean') s.parallel_tool_calls = own['parallelToolCalls'];
}
